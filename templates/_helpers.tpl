{{- /* Helpers for the metallb chart. Deckhouse's lib-helm is not a dependency, so each helper is named for what it does. */ -}}

{{- /* Labels every object of the module carries: (list . (dict "app" "speaker")) */ -}}
{{- define "metallb.labels" -}}
{{- $ctx := index . 0 -}}
{{- $extra := index . 1 | default dict -}}
labels:
  heritage: deckhouse
  module: {{ $ctx.Chart.Name }}
{{- range $k, $v := $extra }}
  {{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}

{{- /*
Image reference of a component, as lib-helm's helm_lib_module_image makes it: (list . "speaker").
Embedded module: <global.modulesImages.registry.base>@<digest>; module from a ModuleSource (Deckhouse sets
metallb.registry.base): <metallb.registry.base>/metallb@<digest>. The digest comes from
global.modulesImages.digests.metallb.<image> (the module's images_digests.json); without one the render fails.
*/ -}}
{{- define "metallb.image" -}}
{{- $ctx := index . 0 -}}
{{- $name := index . 1 -}}
{{- $global := $ctx.Values.global | default dict -}}
{{- $digest := dig "modulesImages" "digests" "metallb" $name "" $global -}}
{{- if not $digest -}}
{{- fail (printf "image metallb.%s has no digest: set global.modulesImages.digests.metallb.%s (Deckhouse reads it from the module's images_digests.json; make images writes out/images/images_digests.json)" $name $name) -}}
{{- end -}}
{{- if not (regexMatch "^sha256:[0-9a-f]{64}$" (toString $digest)) -}}
{{- fail (printf "image metallb.%s: digest %q is not sha256:<64 hex digits>" $name (toString $digest)) -}}
{{- end -}}
{{- $base := dig "modulesImages" "registry" "base" "" $global -}}
{{- $moduleBase := dig "registry" "base" "" ($ctx.Values.metallb | default dict) -}}
{{- if $moduleBase -}}
{{- $base = printf "%s/%s" (trimAll "/" $moduleBase) $ctx.Chart.Name -}}
{{- end -}}
{{- if not $base -}}
{{- fail (printf "image metallb.%s has no registry: set global.modulesImages.registry.base or metallb.registry.base" $name) -}}
{{- end -}}
{{ $base }}@{{ $digest }}
{{- end }}

{{- /* The registry pull Secret the pods use: the module's own (from a ModuleSource) or Deckhouse's; empty for none. */ -}}
{{- define "metallb.pullSecretName" -}}
{{- if dig "registry" "dockercfg" "" (.Values.metallb | default dict) -}}
{{ .Chart.Name }}-module-registry
{{- else if dig "modulesImages" "registry" "dockercfg" "" (.Values.global | default dict) -}}
deckhouse-registry
{{- end -}}
{{- end }}

{{- /* imagePullSecrets of a pod spec, when there is a pull Secret. */ -}}
{{- define "metallb.imagePullSecrets" -}}
{{- with include "metallb.pullSecretName" . }}
imagePullSecrets:
- name: {{ . }}
{{- end }}
{{- end }}

{{- /* True when the cluster serves VerticalPodAutoscaler (or the vertical-pod-autoscaler module is enabled). */ -}}
{{- define "metallb.vpaEnabled" -}}
{{- $enabled := dig "enabledModules" list (.Values.global | default dict) -}}
{{- if or (.Capabilities.APIVersions.Has "autoscaling.k8s.io/v1/VerticalPodAutoscaler") (has "vertical-pod-autoscaler" $enabled) (has "vertical-pod-autoscaler-crd" $enabled) }}true{{ end -}}
{{- end }}

{{- /* True when some L2 class exists. */ -}}
{{- define "metallb.l2Enabled" -}}
{{- if .Values.metallb.internal.l2loadbalancers }}true{{ end -}}
{{- end }}

{{- /* True when some BGP peer is configured: the module's own or a user's metallb.io BGPPeer. */ -}}
{{- define "metallb.bgpEnabled" -}}
{{- if or .Values.metallb.internal.bgpPeers .Values.metallb.internal.nativeBgpPeers }}true{{ end -}}
{{- end }}

{{- /* True when a BGP peer needs NET_ADMIN (TCP-MD5 password or BFD). */ -}}
{{- define "metallb.speakerNeedsNetAdmin" -}}
{{- range .Values.metallb.internal.bgpPeers }}{{ if or .passwordSecret .bfdProfile }}true{{ end }}{{ end -}}
{{- range .Values.metallb.internal.nativeBgpPeers }}{{ if .netAdmin }}true{{ end }}{{ end -}}
{{- end }}

{{- /* Container securityContext: read-only root, no privilege escalation, all capabilities dropped except the given list. */ -}}
{{- define "metallb.containerSecurityContext" -}}
securityContext:
  readOnlyRootFilesystem: true
  allowPrivilegeEscalation: false
  capabilities:
    drop: ["ALL"]
{{- if . }}
    add: {{ toJson . }}
{{- end }}
{{- end }}

{{- /* Pod securityContext of an unprivileged component (PSS restricted). */ -}}
{{- define "metallb.restrictedPodSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 64535
  runAsGroup: 64535
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{- /* Tolerations for system components, plus the configured ones. */ -}}
{{- define "metallb.controllerTolerations" -}}
tolerations:
{{- if .Values.metallb.tolerations }}
{{ toYaml .Values.metallb.tolerations }}
{{- else }}
- key: dedicated.deckhouse.io
  operator: Equal
  value: system
- key: node-role.kubernetes.io/control-plane
  operator: Exists
{{- end }}
{{- end }}

{{- /* The speaker's host ports, in the 4200-4299 range the platform gives host-network Pods: (include "metallb.speakerPort" "metrics"). */ -}}
{{- define "metallb.speakerPort" -}}
{{- get (dict "heartbeat" "4218" "metrics" "4220") . -}}
{{- end }}

{{- /* Env of the authenticated HTTPS metrics (lib/secure-metrics.ts): the plain port stays on loopback for the probes and local tools. */ -}}
{{- define "metallb.secureMetricsEnv" -}}
- name: METRICS_HOST
  value: 127.0.0.1
- name: METRICS_SECURE_PORT
  value: {{ . | quote }}
- name: METRICS_CLIENT_CA
  value: /etc/metallb/scrape-ca/ca.crt
{{- end }}

{{- /* Usage: {{ include "helm_lib_kube_rbac_proxy_ca_certificate" (list . <namespace>) }}: lib-helm's ConfigMap of the CA whose client certificates Prometheus scrapes with. */ -}}
{{- define "helm_lib_kube_rbac_proxy_ca_certificate" -}}
{{- $ctx := index . 0 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-rbac-proxy-ca.crt
  namespace: {{ index . 1 }}
  annotations:
    kubernetes.io/description: |
      Contains a CA bundle that can be used to verify the kube-rbac-proxy clients.
  {{- include "metallb.labels" (list $ctx dict) | nindent 2 }}
data:
  ca.crt: |
    {{- dig "internal" "modules" "kubeRBACProxyCA" "cert" "" ($ctx.Values.global | default dict) | nindent 4 }}
{{- end }}
