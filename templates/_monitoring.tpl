{{- /*
The monitoring helpers of Deckhouse's lib-helm, by the same names and calls, so that templates/monitoring.yaml has the
form the platform checks. The chart does not depend on lib-helm; these do what its helpers do for this module's files.
*/ -}}

{{- /* Usage: {{ include "helm_lib_prometheus_rules" (list . <namespace>) }}: a PrometheusRule per file of monitoring/prometheus-rules (sub-folders joined into the name), when the Prometheus CRDs are there. */ -}}
{{- define "helm_lib_prometheus_rules" -}}
{{- $ctx := index . 0 -}}
{{- $namespace := index . 1 -}}
{{- if has "operator-prometheus-crd" ($ctx.Values.global.enabledModules | default list) }}
{{- range $path, $_ := $ctx.Files.Glob "monitoring/prometheus-rules/**.{yaml,tpl}" }}
{{- $text := $ctx.Files.Get $path }}
{{- if hasSuffix ".tpl" $path }}{{ $text = tpl $text $ctx }}{{ end }}
{{- $groups := printf "groups:\n%s" ($text | nindent 2) | fromYaml }}
{{- if $groups.Error }}{{ fail (printf "%s: %s" $path $groups.Error) }}{{ end }}
{{- if $groups.groups }}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ $ctx.Chart.Name }}-{{ $path | trimPrefix "monitoring/prometheus-rules/" | regexReplaceAll "\\.(yaml|tpl)$" "" | replace "/" "-" | replace "_" "-" | replace "." "-" }}
  namespace: {{ $namespace }}
  {{- include "metallb.labels" (list $ctx (dict "app" "prometheus" "prometheus" "main" "component" "rules")) | nindent 2 }}
spec:
  groups:
  {{- $groups.groups | toYaml | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- /* Usage: {{ include "helm_lib_grafana_dashboard_definitions" . }}: a GrafanaDashboardDefinition per monitoring/grafana-dashboards/<folder>/<name>.json, in the Grafana folder named after <folder>, when the Prometheus CRDs are there. */ -}}
{{- define "helm_lib_grafana_dashboard_definitions" -}}
{{- if has "prometheus-crd" (.Values.global.enabledModules | default list) }}
{{- range $path, $_ := $.Files.Glob "monitoring/grafana-dashboards/*/*.json" }}
{{- $rel := $path | trimPrefix "monitoring/grafana-dashboards/" }}
---
apiVersion: deckhouse.io/v1
kind: GrafanaDashboardDefinition
metadata:
  name: d8-{{ $.Chart.Name }}-{{ $rel | trimSuffix ".json" | replace "/" "-" | replace "_" "-" | replace "." "-" }}
  {{- include "metallb.labels" (list $ (dict "prometheus.deckhouse.io/grafana-dashboard" "")) | nindent 2 }}
spec:
  folder: {{ $rel | dir | replace "-" " " | title | quote }}
  definition: |
    {{- $.Files.Get $path | nindent 4 }}
{{- end }}
{{- end }}
{{- end }}
