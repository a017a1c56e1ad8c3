{{/*
Names, labels, images and the settings shared by several components.
Component templates call these with (dict "ctx" $ "component" "backend") where a component is
needed.
*/}}

{{- define "rp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rp.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: <fullname>-<component>. */}}
{{- define "rp.componentName" -}}
{{- printf "%s-%s" (include "rp.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rp.labels" -}}
helm.sh/chart: {{ include "rp.chart" .ctx }}
app.kubernetes.io/name: {{ include "rp.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: reservation-platform
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "rp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rp.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rp.annotations" -}}
{{- with .Values.commonAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* registry/repository:tag or @digest; global.imageRegistry wins over the image's registry. */}}
{{- define "rp.image" -}}
{{- $registry := .image.registry -}}
{{- if .ctx.Values.global.imageRegistry -}}
{{- $registry = .ctx.Values.global.imageRegistry -}}
{{- end -}}
{{- $repo := .image.repository -}}
{{- if $registry -}}
{{- $repo = printf "%s/%s" $registry .image.repository -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .ctx.Chart.AppVersion .image.tag | toString) -}}
{{- end -}}
{{- end -}}

{{- define "rp.imagePullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) (.Values.imagePullSecrets | default list) -}}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name }}{{ else }}{{ . }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "rp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rp.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Pod and container security contexts, rendered without the chart's "enabled" switch. */}}
{{- define "rp.podSecurityContext" -}}
{{- if .enabled }}
securityContext:
  {{- omit . "enabled" | toYaml | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "rp.containerSecurityContext" -}}
{{- if .enabled }}
securityContext:
  {{- omit . "enabled" | toYaml | nindent 2 }}
{{- end }}
{{- end -}}

{{/* ---------- Secrets ---------- */}}

{{/* The chart-managed Secret holding every credential that no existingSecret provides. */}}
{{- define "rp.secretName" -}}
{{- printf "%s-credentials" (include "rp.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
A credential of the chart-managed Secret: the value given, else (generateSecrets only) the one
stored by a previous `helm install/upgrade`, else a new random one. Without generateSecrets an
empty value fails the render: `helm template`, Argo CD and Flux cannot look up the stored value
and would render a new one on every sync.
*/}}
{{- define "rp.credential" -}}
{{- $given := .value | default "" -}}
{{- if $given -}}
{{- $given -}}
{{- else if .ctx.Values.generateSecrets -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace (include "rp.secretName" .ctx) -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else if .generate -}}
{{- include .generate . -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- else -}}
{{- fail (printf "%s: set %s or %s (see the chart README, Secrets; generateSecrets=true only with helm install/upgrade, never helm template, Argo CD or Flux)" .key .path .existing) -}}
{{- end -}}
{{- end -}}

{{/* A Fernet key: 32 random bytes, url-safe base64. */}}
{{- define "rp.fernetKey" -}}
{{- randAlphaNum 32 | b64enc | replace "+" "-" | replace "/" "_" -}}
{{- end -}}

{{/* ---------- PostgreSQL ---------- */}}

{{- define "rp.database.host" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "rp.componentName" (dict "ctx" . "component" "postgresql") -}}
{{- else -}}
{{- required "externalDatabase.host is required when postgresql.enabled=false" .Values.externalDatabase.host -}}
{{- end -}}
{{- end -}}

{{- define "rp.database.port" -}}
{{- if .Values.postgresql.enabled -}}5432{{- else -}}{{- .Values.externalDatabase.port -}}{{- end -}}
{{- end -}}

{{- define "rp.database.name" -}}
{{- if .Values.postgresql.enabled -}}{{ .Values.postgresql.auth.database }}{{- else -}}{{ .Values.externalDatabase.database }}{{- end -}}
{{- end -}}

{{- define "rp.database.user" -}}
{{- if .Values.postgresql.enabled -}}{{ .Values.postgresql.auth.username }}{{- else -}}{{ .Values.externalDatabase.username }}{{- end -}}
{{- end -}}

{{- define "rp.database.secretName" -}}
{{- $existing := ternary .Values.postgresql.auth.existingSecret .Values.externalDatabase.existingSecret .Values.postgresql.enabled -}}
{{- default (include "rp.secretName" .) $existing -}}
{{- end -}}

{{- define "rp.database.secretKey" -}}
{{- $useExisting := ternary .Values.postgresql.auth.existingSecret .Values.externalDatabase.existingSecret .Values.postgresql.enabled -}}
{{- if $useExisting -}}
{{- ternary .Values.postgresql.auth.existingSecretPasswordKey .Values.externalDatabase.existingSecretPasswordKey .Values.postgresql.enabled -}}
{{- else -}}
database-password
{{- end -}}
{{- end -}}

{{/*
Env entries giving a service its database URL. Kubernetes expands $(DATABASE_PASSWORD) from the
entry defined before it, so the password never appears in the pod spec.
*/}}
{{- define "rp.database.env" -}}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "rp.database.secretName" .ctx }}
      key: {{ include "rp.database.secretKey" .ctx }}
- name: {{ .prefix }}DATABASE_URL
  value: {{ printf "postgresql+asyncpg://%s:$(DATABASE_PASSWORD)@%s:%s/%s%s" (include "rp.database.user" .ctx) (include "rp.database.host" .ctx) (include "rp.database.port" .ctx | toString) (include "rp.database.name" .ctx) (include "rp.database.query" .ctx) | quote }}
{{- end -}}

{{- define "rp.database.query" -}}
{{- if and (not .Values.postgresql.enabled) .Values.externalDatabase.sslmode -}}
{{- printf "?ssl=%s" .Values.externalDatabase.sslmode -}}
{{- end -}}
{{- end -}}

{{/* ---------- RabbitMQ ---------- */}}

{{- define "rp.rabbitmq.host" -}}
{{- if .Values.rabbitmq.enabled -}}
{{- include "rp.componentName" (dict "ctx" . "component" "rabbitmq") -}}
{{- else -}}
{{- required "externalRabbitmq.host is required when rabbitmq.enabled=false" .Values.externalRabbitmq.host -}}
{{- end -}}
{{- end -}}

{{- define "rp.rabbitmq.secretName" -}}
{{- $existing := ternary .Values.rabbitmq.auth.existingSecret .Values.externalRabbitmq.existingSecret .Values.rabbitmq.enabled -}}
{{- default (include "rp.secretName" .) $existing -}}
{{- end -}}

{{- define "rp.rabbitmq.secretKey" -}}
{{- $useExisting := ternary .Values.rabbitmq.auth.existingSecret .Values.externalRabbitmq.existingSecret .Values.rabbitmq.enabled -}}
{{- if $useExisting -}}
{{- ternary .Values.rabbitmq.auth.existingSecretPasswordKey .Values.externalRabbitmq.existingSecretPasswordKey .Values.rabbitmq.enabled -}}
{{- else -}}
rabbitmq-password
{{- end -}}
{{- end -}}

{{- define "rp.rabbitmq.env" -}}
{{- $v := .ctx.Values -}}
{{- $user := ternary $v.rabbitmq.auth.username $v.externalRabbitmq.username $v.rabbitmq.enabled -}}
{{- $port := ternary 5672 ($v.externalRabbitmq.port | int) $v.rabbitmq.enabled -}}
{{- $vhost := ternary "" ($v.externalRabbitmq.vhost | default "") $v.rabbitmq.enabled -}}
{{- $scheme := ternary "amqps" "amqp" (and (not $v.rabbitmq.enabled) $v.externalRabbitmq.tls) -}}
- name: AMQP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "rp.rabbitmq.secretName" .ctx }}
      key: {{ include "rp.rabbitmq.secretKey" .ctx }}
- name: {{ .prefix }}AMQP_URL
  value: {{ printf "%s://%s:$(AMQP_PASSWORD)@%s:%d/%s" $scheme $user (include "rp.rabbitmq.host" .ctx) $port $vhost | quote }}
{{- end -}}

{{/* ---------- Tracing (reservation_common.tracing reads the standard OTEL_* variables) ---------- */}}

{{- define "rp.tracing.env" -}}
{{- $t := .ctx.Values.tracing -}}
- name: {{ .prefix }}TRACING_ENABLED
  value: {{ $t.enabled | quote }}
{{- if $t.enabled }}
{{- with $t.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: OTEL_TRACES_SAMPLER
  value: "parentbased_traceidratio"
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $t.sampleRatio | toString | quote }}
{{- end }}
{{- end -}}

{{/* ---------- Keycloak and URLs ---------- */}}

{{- define "rp.keycloak.issuer" -}}
{{- $url := required "externalKeycloak.url is required" .Values.externalKeycloak.url | trimSuffix "/" -}}
{{- printf "%s/realms/%s" $url .Values.externalKeycloak.realm -}}
{{- end -}}

{{/* Where services fetch discovery and keys: the in-cluster address when one is given. */}}
{{- define "rp.keycloak.discoveryUrl" -}}
{{- if .Values.externalKeycloak.internalUrl -}}
{{- printf "%s/realms/%s/.well-known/openid-configuration" (.Values.externalKeycloak.internalUrl | trimSuffix "/") .Values.externalKeycloak.realm -}}
{{- end -}}
{{- end -}}

{{- define "rp.keycloak.tokenUrl" -}}
{{- $base := default .Values.externalKeycloak.url .Values.externalKeycloak.internalUrl | trimSuffix "/" -}}
{{- printf "%s/realms/%s/protocol/openid-connect/token" $base .Values.externalKeycloak.realm -}}
{{- end -}}

{{- define "rp.keycloak.secretName" -}}
{{- default (include "rp.secretName" .) .Values.externalKeycloak.existingSecret -}}
{{- end -}}

{{- define "rp.webhookKey.secretName" -}}
{{- default (include "rp.secretName" .) .Values.webhookSecretsKey.existingSecret -}}
{{- end -}}

{{- define "rp.webhookKey.secretKey" -}}
{{- if .Values.webhookSecretsKey.existingSecret -}}
{{- .Values.webhookSecretsKey.existingSecretKey -}}
{{- else -}}
webhook-secrets-key
{{- end -}}
{{- end -}}

{{/* The public URL users open, from the ingress when there is one. */}}
{{- define "rp.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{- .Values.publicUrl | trimSuffix "/" -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls) .Values.ingress.hostname -}}
{{- end -}}
{{- end -}}

{{/* ---------- NetworkPolicy building blocks ---------- */}}

{{- define "rp.networkPolicy.dnsEgress" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* Egress to a component of this release on one port. */}}
{{- define "rp.networkPolicy.toComponent" -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "rp.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 10 }}
  ports:
    - port: {{ .port }}
      protocol: TCP
{{- end -}}

{{/* ---------- Pod scheduling shared by the stateless components ---------- */}}

{{/* Scheduling of a component's pods: values win; by default replicas prefer distinct nodes. */}}
{{- define "rp.scheduling" -}}
{{- $c := .values -}}
{{- with $c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
affinity:
{{- if $c.affinity }}
  {{- toYaml $c.affinity | nindent 2 }}
{{- else }}
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "rp.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 14 }}
{{- end }}
{{- with $c.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* HorizontalPodAutoscaler of a Deployment component. */}}
{{- define "rp.hpa" -}}
{{- $c := .values -}}
{{- if $c.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "rp.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "rp.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "rp.componentName" . }}
  minReplicas: {{ $c.autoscaling.minReplicas }}
  maxReplicas: {{ $c.autoscaling.maxReplicas }}
  metrics:
    {{- if $c.autoscaling.targetCPU }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $c.autoscaling.targetCPU }}
    {{- end }}
    {{- if $c.autoscaling.targetMemory }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $c.autoscaling.targetMemory }}
    {{- end }}
{{- end }}
{{- end -}}

{{/* PodDisruptionBudget of a Deployment component. */}}
{{- define "rp.pdb" -}}
{{- $c := .values -}}
{{- if $c.pdb.create }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "rp.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "rp.labels" . | nindent 4 }}
spec:
  {{- if not (eq (toString $c.pdb.minAvailable) "") }}
  minAvailable: {{ $c.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $c.pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "rp.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}
