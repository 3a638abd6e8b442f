{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "token-broker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: the release name, followed by the chart name unless the
release name already contains it.
*/}}
{{- define "token-broker.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "token-broker.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "token-broker.labels" -}}
helm.sh/chart: {{ include "token-broker.chart" . }}
{{ include "token-broker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: token-broker
{{- end }}

{{/*
Labels that select the broker pods; never change them between releases.
*/}}
{{- define "token-broker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "token-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount the broker runs as.
*/}}
{{- define "token-broker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "token-broker.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the Secret that holds the master keys for vault type `file`.
*/}}
{{- define "token-broker.vaultSecretName" -}}
{{- if and .Values.vault.file.existingSecret .Values.vault.file.secrets }}
{{- fail "set either vault.file.existingSecret or vault.file.secrets, not both" }}
{{- else if .Values.vault.file.existingSecret }}
{{- .Values.vault.file.existingSecret }}
{{- else }}
{{- printf "%s-vault" (include "token-broker.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
"true" when the broker serves TLS: tls.enabled, and in sidecar mode only with sidecar.tls (loopback traffic never
leaves the pod, so a sidecar stays plain HTTP unless asked).
*/}}
{{- define "token-broker.tls" -}}
{{- if and .Values.tls.enabled (or (eq .Values.mode "deployment") .Values.sidecar.tls) }}true{{ end }}
{{- end }}

{{/*
Name of the Secret with the broker's certificate: tls.existingSecret, or the one cert-manager writes for the chart's
Certificate.
*/}}
{{- define "token-broker.tlsSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- .Values.tls.existingSecret }}
{{- else }}
{{- printf "%s-tls" (include "token-broker.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Where the certificate Secret is mounted; the SSL bundle reads tls.crt and tls.key there.
*/}}
{{- define "token-broker.tlsDirectory" -}}
/var/run/secrets/token-broker/tls
{{- end }}

{{/*
Image reference: repository@digest when a digest is set, else repository:tag (tag defaults to appVersion).
*/}}
{{- define "token-broker.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Secret volume items for vault type `file`. The file vault reads one folder per secret and one
file per field ({dir}/wml-prod/apikey), but Secret keys cannot contain "/", so the Secret holds
flat keys SECRET.FIELD (wml-prod.apikey) and these items map each key to SECRET/FIELD. Credential
names cannot contain ".", so the first "." always separates secret from field. The list comes from
vault.file.items, else vault.file.secrets, else the fields each credential type needs
(iam-apikey and iam-assume: apikey; iot-app: apikey and token; iam-trusted-profile: none), plus the shared tier's encryption key (field key) when
shared.enabled. Renders a YAML list, or nothing.
*/}}
{{- define "token-broker.vaultItems" -}}
{{- $items := list }}
{{- if .Values.vault.file.items }}
{{- $items = .Values.vault.file.items }}
{{- else if .Values.vault.file.secrets }}
{{- range $secret, $fields := .Values.vault.file.secrets }}
{{- range $field, $_ := $fields }}
{{- $items = append $items (dict "key" (printf "%s.%s" $secret $field) "path" (printf "%s/%s" $secret $field)) }}
{{- end }}
{{- end }}
{{- else }}
{{- $seen := dict }}
{{- range $name, $credential := .Values.config.credentials }}
{{- if ne (dig "type" "" $credential) "iam-trusted-profile" }}
{{- $secret := default $name (dig "secret" "" $credential) }}
{{- $fields := list "apikey" }}
{{- if eq (dig "type" "" $credential) "iot-app" }}
{{- $fields = list "apikey" "token" }}
{{- end }}
{{- range $field := $fields }}
{{- $key := printf "%s.%s" $secret $field }}
{{- if not (hasKey $seen $key) }}
{{- $_ := set $seen $key true }}
{{- $items = append $items (dict "key" $key "path" (printf "%s/%s" $secret $field)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.shared.enabled }}
{{- $secret := .Values.shared.encryptionKeySecret }}
{{- $items = append $items (dict "key" (printf "%s.key" $secret) "path" (printf "%s/key" $secret)) }}
{{- end }}
{{- end }}
{{- with $items }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
tokenbroker.vault.* as a dict, from .Values.vault.
*/}}
{{- define "token-broker.vaultConfig" -}}
{{- if eq .Values.vault.type "hashicorp" }}
{{- $hv := .Values.vault.hashicorp }}
{{- $auth := $hv.authentication }}
{{- $authConfig := dict "type" $auth.type }}
{{- if eq $auth.type "kubernetes" }}
{{- if not .Values.serviceAccount.projectedToken.enabled }}
{{- fail "vault.hashicorp.authentication.type kubernetes needs serviceAccount.projectedToken.enabled" }}
{{- end }}
{{- $_ := set $authConfig "kubernetes" (dict "role" $auth.kubernetes.role "path" $auth.kubernetes.path "service-account-token-file" "/var/run/secrets/tokens/token") }}
{{- else if eq $auth.type "approle" }}
{{- $_ := set $authConfig "approle" (dict "role-id" (required "vault.hashicorp.authentication.approle.roleId is required" $auth.approle.roleId) "path" $auth.approle.path) }}
{{- end }}
{{- $hashicorp := dict "uri" (required "vault.hashicorp.uri is required when vault.type is hashicorp" $hv.uri) "mount" $hv.mount "path-prefix" $hv.pathPrefix "poll-interval" $hv.pollInterval "authentication" $authConfig }}
{{- toYaml (dict "type" "hashicorp" "hashicorp" $hashicorp) }}
{{- else }}
{{- toYaml (dict "type" "file" "file" (dict "directory" "/var/run/secrets/token-broker/vault")) }}
{{- end }}
{{- end }}

{{/*
The whole application.yaml: extraApplicationConfig, then the ports, then tokenbroker: with
.Values.config and the vault settings. The chart's keys win so that probes and Services match.
*/}}
{{- define "token-broker.applicationConfig" -}}
{{- $tokenbroker := deepCopy .Values.config }}
{{- $_ := set $tokenbroker "vault" (include "token-broker.vaultConfig" . | fromYaml) }}
{{- $spring := dict }}
{{- if .Values.shared.enabled }}
{{- $sh := .Values.shared }}
{{- $_ := set $tokenbroker "shared" (dict "enabled" true "encryption-key-secret" $sh.encryptionKeySecret "timeout" $sh.timeout) }}
{{- $redis := dict "database" $sh.redis.database "ssl" (dict "enabled" $sh.redis.tls) }}
{{- if and $sh.redis.sentinel.master $sh.redis.cluster.nodes }}
{{- fail "set one of shared.redis.sentinel.master and shared.redis.cluster.nodes, not both" }}
{{- else if $sh.redis.sentinel.master }}
{{- $_ := set $redis "sentinel" (dict "master" $sh.redis.sentinel.master "nodes" (required "shared.redis.sentinel.nodes is required with shared.redis.sentinel.master" $sh.redis.sentinel.nodes)) }}
{{- else if $sh.redis.cluster.nodes }}
{{- $_ := set $redis "cluster" (dict "nodes" $sh.redis.cluster.nodes) }}
{{- else }}
{{- $_ := set $redis "host" (required "shared.redis.host (or shared.redis.sentinel or shared.redis.cluster) is required when shared.enabled" $sh.redis.host) }}
{{- $_ := set $redis "port" $sh.redis.port }}
{{- end }}
{{- with $sh.redis.username }}
{{- $_ := set $redis "username" . }}
{{- end }}
{{- $spring = dict "data" (dict "redis" $redis) }}
{{- end }}
{{- $server := dict "port" .Values.ports.http }}
{{- if and (eq .Values.mode "sidecar") .Values.sidecar.loopbackOnly }}
{{- $_ := set $server "address" "127.0.0.1" }}
{{- end }}
{{- $managementServer := dict "port" .Values.ports.management }}
{{- if include "token-broker.tls" . }}
{{- /* One PEM bundle for both ports; Boot watches the files (following the kubelet's ..data symlink swap) and hands
new connections the new certificate after the quiet period. verify-keys: a key that does not match the certificate
fails the start, or, on a reload, is logged and leaves the previous certificate in service. */}}
{{- $dir := include "token-broker.tlsDirectory" . }}
{{- $keystore := dict "certificate" (printf "%s/tls.crt" $dir) "private-key" (printf "%s/tls.key" $dir) "verify-keys" true }}
{{- $pem := dict "token-broker" (dict "reload-on-update" true "keystore" $keystore) }}
{{- $watch := dict "file" (dict "quiet-period" .Values.tls.reloadQuietPeriod) }}
{{- $_ := set $spring "ssl" (dict "bundle" (dict "pem" $pem "watch" $watch)) }}
{{- $_ := set $server "ssl" (dict "bundle" "token-broker") }}
{{- $_ := set $managementServer "ssl" (dict "bundle" "token-broker") }}
{{- end }}
{{- $management := dict "server" $managementServer }}
{{- $chartConfig := dict "server" $server "management" $management "tokenbroker" $tokenbroker }}
{{- with $spring }}
{{- $_ := set $chartConfig "spring" . }}
{{- end }}
{{- toYaml (mergeOverwrite (deepCopy .Values.extraApplicationConfig) $chartConfig) }}
{{- end }}

{{/*
Pod-level security context.
*/}}
{{- define "token-broker.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Container-level security context, shared by the Deployment's container and the sidecar.
*/}}
{{- define "token-broker.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Environment shared by the Deployment's container and the sidecar.
*/}}
{{- define "token-broker.env" -}}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: file:/config/
{{- with .Values.auditSalt.secretName }}
- name: TOKENBROKER_AUDIT_SALT
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.auditSalt.key }}
{{- end }}
{{- if eq .Values.vault.type "hashicorp" }}
{{- $auth := .Values.vault.hashicorp.authentication }}
{{- if eq $auth.type "approle" }}
- name: TOKENBROKER_VAULT_HASHICORP_AUTHENTICATION_APPROLE_SECRETID
  valueFrom:
    secretKeyRef:
      name: {{ required "vault.hashicorp.authentication.approle.secretIdSecret.name is required" $auth.approle.secretIdSecret.name }}
      key: {{ $auth.approle.secretIdSecret.key }}
{{- else if eq $auth.type "token" }}
- name: TOKENBROKER_VAULT_HASHICORP_AUTHENTICATION_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ required "vault.hashicorp.authentication.token.secret.name is required" $auth.token.secret.name }}
      key: {{ $auth.token.secret.key }}
{{- end }}
{{- end }}
{{- if and .Values.shared.enabled .Values.shared.redis.passwordSecret.name }}
- name: SPRING_DATA_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.shared.redis.passwordSecret.name }}
      key: {{ .Values.shared.redis.passwordSecret.key }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The compute-resource token files that iam-trusted-profile credentials read (docs/keyless.md): a dict of folder ->
sorted list of file names, from each credential's cr-token-file (default /var/run/secrets/tokens/sa-token, the
first of IBM's default paths that the chart projects). Renders YAML, or nothing when no such credential exists.
The folder /var/run/secrets/tokens is shared with serviceAccount.projectedToken, whose files are token and ca.crt.
*/}}
{{- define "token-broker.crTokenFolders" -}}
{{- $folders := dict }}
{{- range $name, $credential := .Values.config.credentials }}
{{- if eq (dig "type" "" $credential) "iam-trusted-profile" }}
{{- $file := default "/var/run/secrets/tokens/sa-token" (dig "cr-token-file" "" $credential) }}
{{- if not (isAbs $file) }}
{{- fail (printf "config.credentials.%s.cr-token-file must be an absolute path" $name) }}
{{- end }}
{{- $folder := dir $file }}
{{- if and (eq $folder "/var/run/secrets/tokens") (has (base $file) (list "token" "ca.crt")) }}
{{- fail (printf "config.credentials.%s.cr-token-file %s is serviceAccount.projectedToken's; use another file name, e.g. sa-token" $name $file) }}
{{- end }}
{{- $files := get $folders $folder | default list }}
{{- if not (has (base $file) $files) }}
{{- $_ := set $folders $folder (append $files (base $file) | sortAlpha) }}
{{- end }}
{{- end }}
{{- end }}
{{- with $folders }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
The IAM-audience service-account token projections of one folder's files (see token-broker.crTokenFolders).
Call with (dict "files" $files "values" .Values).
*/}}
{{- define "token-broker.crTokenSources" -}}
{{- range $file := .files }}
- serviceAccountToken:
    audience: {{ $.values.serviceAccount.iamToken.audience }}
    expirationSeconds: {{ $.values.serviceAccount.iamToken.expirationSeconds }}
    path: {{ $file }}
{{- end }}
{{- end }}

{{/*
Volume mounts shared by the Deployment's container and the sidecar.
*/}}
{{- define "token-broker.volumeMounts" -}}
- name: token-broker-config
  mountPath: /config
  readOnly: true
- name: token-broker-tmp
  mountPath: /tmp
{{- if eq .Values.vault.type "file" }}
- name: token-broker-vault
  mountPath: /var/run/secrets/token-broker/vault
  readOnly: true
{{- end }}
{{- $crTokens := include "token-broker.crTokenFolders" . | fromYaml }}
{{- if or .Values.serviceAccount.projectedToken.enabled (hasKey $crTokens "/var/run/secrets/tokens") }}
- name: token-broker-token
  mountPath: /var/run/secrets/tokens
  readOnly: true
{{- end }}
{{- $index := 0 }}
{{- range $folder, $files := $crTokens }}
{{- if ne $folder "/var/run/secrets/tokens" }}
- name: token-broker-iam-token-{{ $index }}
  mountPath: {{ $folder }}
  readOnly: true
{{- $index = add1 $index }}
{{- end }}
{{- end }}
{{- if or (eq .Values.mode "sidecar") .Values.config.sinks }}
- name: token-broker-sinks
  mountPath: /var/run/token-broker
{{- end }}
{{- if include "token-broker.tls" . }}
- name: token-broker-tls
  mountPath: {{ include "token-broker.tlsDirectory" . }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
Volumes behind token-broker.volumeMounts. Names carry a token-broker- prefix so that they do not
clash with the volumes of the pod the sidecar is injected into.
*/}}
{{- define "token-broker.volumes" -}}
- name: token-broker-config
  configMap:
    name: {{ include "token-broker.fullname" . }}
- name: token-broker-tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if eq .Values.vault.type "file" }}
{{- $items := include "token-broker.vaultItems" . }}
{{- if and (not $items) (not .Values.vault.file.existingSecret) (include "token-broker.crTokenFolders" .) }}
# Only keyless credentials: no master key to mount, the file vault is an empty folder.
- name: token-broker-vault
  emptyDir:
    sizeLimit: 1Mi
{{- else }}
- name: token-broker-vault
  secret:
    secretName: {{ include "token-broker.vaultSecretName" . }}
    defaultMode: 288 # 0440: owner root, group fsGroup
    {{- with $items }}
    items:
      {{- . | nindent 6 }}
    {{- end }}
{{- end }}
{{- end }}
{{- $crTokens := include "token-broker.crTokenFolders" . | fromYaml }}
{{- $tokensFolder := get $crTokens "/var/run/secrets/tokens" }}
{{- if or .Values.serviceAccount.projectedToken.enabled $tokensFolder }}
- name: token-broker-token
  projected:
    defaultMode: 288 # 0440
    sources:
      {{- if .Values.serviceAccount.projectedToken.enabled }}
      - serviceAccountToken:
          audience: {{ .Values.serviceAccount.projectedToken.audience }}
          expirationSeconds: {{ .Values.serviceAccount.projectedToken.expirationSeconds }}
          path: token
      # The cluster CA, for the API server's JWKS (the automounted token volume that usually carries it is off).
      - configMap:
          name: kube-root-ca.crt
          items:
            - key: ca.crt
              path: ca.crt
      {{- end }}
      {{- with $tokensFolder }}
      # Compute-resource tokens that iam-trusted-profile credentials trade for IAM tokens (docs/keyless.md).
      {{- include "token-broker.crTokenSources" (dict "files" . "values" $.Values) | trim | nindent 6 }}
      {{- end }}
{{- end }}
{{- $index := 0 }}
{{- range $folder, $files := $crTokens }}
{{- if ne $folder "/var/run/secrets/tokens" }}
# Compute-resource tokens for iam-trusted-profile credentials that read {{ $folder }} (docs/keyless.md).
- name: token-broker-iam-token-{{ $index }}
  projected:
    defaultMode: 288 # 0440
    sources:
      {{- include "token-broker.crTokenSources" (dict "files" $files "values" $.Values) | trim | nindent 6 }}
{{- $index = add1 $index }}
{{- end }}
{{- end }}
{{- if or (eq .Values.mode "sidecar") .Values.config.sinks }}
- name: token-broker-sinks
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.sinkVolume.sizeLimit }}
{{- end }}
{{- if include "token-broker.tls" . }}
# The whole volume, never a subPath: the kubelet renews it in place, so the broker reloads without a restart.
- name: token-broker-tls
  secret:
    secretName: {{ include "token-broker.tlsSecretName" . }}
    defaultMode: 288 # 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- end }}

{{/*
A broker probe on an actuator health group. Call with (dict "path" "/actuator/health/…" "probe" $settings "port" $port
"tls" (include "token-broker.tls" $)); over TLS the kubelet probes with https (it verifies no certificate).
*/}}
{{- define "token-broker.probe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
  {{- if .tls }}
  scheme: HTTPS
  {{- end }}
periodSeconds: {{ .probe.periodSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
{{- end }}

{{/*
The broker as a native sidecar: one item for a Pod's initContainers list. restartPolicy: Always
keeps it running beside the app, and the kubelet starts the app's containers only once the
startup probe passes, which for the broker means every sink has been written once (DESIGN §6).

Include it from a chart that has token-broker as a dependency (with mode: sidecar in its values),
passing the subchart's scope so that names and values are the subchart's:

  initContainers:
    {{- include "token-broker.sidecar" (index .Subcharts "token-broker") | nindent 4 }}
  volumes:
    {{- include "token-broker.sidecarVolumes" (index .Subcharts "token-broker") | nindent 4 }}

The app container reads the sinks from the token-broker-sinks volume (see token-broker.sinkMount).
The command is the image's ENTRYPOINT with the sidecar's JVM flags file (jvm/sidecar.flags in the
image, src/main/jvm/sidecar.flags in the repository: the one place they live) instead of the
Deployment's; it keeps the image's AOT cache (app.aot). sidecar.javaToolOptions adds flags that
the file does not set (the file's own win: the command line is read after JAVA_TOOL_OPTIONS).
*/}}
{{- define "token-broker.sidecar" -}}
- name: {{ .Values.sidecar.containerName }}
  image: {{ include "token-broker.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  restartPolicy: Always
  command:
    - java
    - -XX:AOTCache=app.aot
    - "@jvm/sidecar.flags"
    - -jar
    - token-broker.jar
  env:
    - name: SPRING_PROFILES_ACTIVE
      value: sidecar
    {{- with .Values.sidecar.javaToolOptions }}
    - name: JAVA_TOOL_OPTIONS
      value: {{ . | quote }}
    {{- end }}
    {{- include "token-broker.env" . | nindent 4 }}
  ports:
    - name: tb-http
      containerPort: {{ .Values.ports.http }}
      protocol: TCP
    - name: tb-management
      containerPort: {{ .Values.ports.management }}
      protocol: TCP
  startupProbe:
    {{- include "token-broker.probe" (dict "path" "/actuator/health/startup" "probe" .Values.probes.startup "port" .Values.ports.management "tls" (include "token-broker.tls" .)) | nindent 4 }}
  livenessProbe:
    {{- include "token-broker.probe" (dict "path" "/actuator/health/liveness" "probe" .Values.probes.liveness "port" .Values.ports.management "tls" (include "token-broker.tls" .)) | nindent 4 }}
  resources:
    {{- toYaml .Values.sidecar.resources | nindent 4 }}
  securityContext:
    {{- include "token-broker.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    {{- include "token-broker.volumeMounts" . | nindent 4 }}
{{- end }}

{{/*
The volumes the sidecar needs, as items for the Pod's volumes list (see token-broker.sidecar).
*/}}
{{- define "token-broker.sidecarVolumes" -}}
{{- include "token-broker.volumes" . }}
{{- end }}

{{/*
A read-only mount of the sink folder, as one item for the app container's volumeMounts.
*/}}
{{- define "token-broker.sinkMount" -}}
- name: token-broker-sinks
  mountPath: /var/run/token-broker
  readOnly: true
{{- end }}
