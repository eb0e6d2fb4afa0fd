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

{{- /* Image reference of a component: (list . "speaker"). Uses the Deckhouse digests when present, else a local dev tag. */ -}}
{{- define "metallb.image" -}}
{{- $ctx := index . 0 -}}
{{- $name := index . 1 -}}
{{- $images := dig "modulesImages" dict ($ctx.Values.global | default dict) -}}
{{- $base := dig "registry" "base" "registry.deckhouse.io/deckhouse/ce" $images -}}
{{- $digest := dig "digests" "metallb" $name "" $images -}}
{{- if $digest -}}
{{ $base }}/metallb@{{ $digest }}
{{- else -}}
{{ $base }}/metallb/{{ $name }}:dev
{{- end -}}
{{- end }}

{{- /* True when the vertical-pod-autoscaler module is enabled. */ -}}
{{- define "metallb.vpaEnabled" -}}
{{- $enabled := dig "enabledModules" list (.Values.global | default dict) -}}
{{- if or (has "vertical-pod-autoscaler" $enabled) (has "vertical-pod-autoscaler-crd" $enabled) }}true{{ end -}}
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
