{{/* Names, labels, the RBAC rules and the checks of the values. */}}

{{- define "rss-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release name if it already contains the chart name, else <release>-<chart>. */}}
{{- define "rss-operator.fullname" -}}
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

{{- define "rss-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rss-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rss-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "rss-operator.labels" -}}
helm.sh/chart: {{ include "rss-operator.chart" . }}
app.kubernetes.io/name: {{ include "rss-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: rss-operator
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "rss-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rss-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "rss-operator.leaseName" -}}
{{- default (include "rss-operator.fullname" .) .Values.leaderElection.leaseName -}}
{{- end -}}

{{- define "rss-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The watched namespaces for mode "namespaces", checked; "" for the other modes. */}}
{{- define "rss-operator.watchedNamespaces" -}}
{{- $mode := .Values.watch.mode -}}
{{- if not (has $mode (list "namespace" "namespaces" "cluster")) -}}
{{- fail (printf "watch.mode must be namespace, namespaces or cluster, not %q" $mode) -}}
{{- end -}}
{{- if eq $mode "namespaces" -}}
{{- if not .Values.watch.namespaces -}}
{{- fail "watch.mode namespaces needs the list of namespaces in watch.namespaces" -}}
{{- end -}}
{{- .Values.watch.namespaces | uniq | join "," -}}
{{- end -}}
{{- end -}}

{{/* The values that cannot work together. */}}
{{- define "rss-operator.validate" -}}
{{- include "rss-operator.watchedNamespaces" . -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) -}}
{{- fail "replicas > 1 needs leaderElection.enabled: without it every replica would reconcile the same clusters" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled: the ServiceMonitor scrapes that Service" -}}
{{- end -}}
{{- end -}}

{{/*
The operator's rules on the watched namespaces: exactly those of deploy/rbac.yaml (less the Lease rules),
which say why each is there. Every rule is an API call the operator makes; nothing is a wildcard. It never
deletes StatefulSets or Services (the garbage collector does, through their ownerReference to the RSS) and
never touches PersistentVolumeClaims. Of Secrets it only gets those a cluster's spec.backup.storage.s3 names
(no list or watch); their names are the users' choice, so resourceNames cannot narrow it.
*/}}
{{- define "rss-operator.rules" -}}
# The RSS informer lists and watches them; patch removes the seed-override annotation once it was used.
- apiGroups: [clusterlabs.org]
  resources: [replicatedstatefulsets]
  verbs: [list, watch, patch]
# Status is written by merge patch of the status subresource.
- apiGroups: [clusterlabs.org]
  resources: [replicatedstatefulsets/status]
  verbs: [patch]
# blockOwnerDeletion on the children's ownerReferences, where OwnerReferencesPermissionEnforcement is on.
- apiGroups: [clusterlabs.org]
  resources: [replicatedstatefulsets/finalizers]
  verbs: [update]
# Backups: informer; schedules create them and delete those retention drops; label and finalizer (patch).
- apiGroups: [clusterlabs.org]
  resources: [backups]
  verbs: [list, watch, create, patch, delete]
# A backup's progress and result, by merge patch of the status subresource.
- apiGroups: [clusterlabs.org]
  resources: [backups/status]
  verbs: [patch]
# As for replicatedstatefulsets/finalizers: an ownerReference to a Backup with blockOwnerDeletion.
- apiGroups: [clusterlabs.org]
  resources: [backups/finalizers]
  verbs: [update]
# BackupSchedules: informer (list, watch); they are the users' objects, only their status is written.
- apiGroups: [clusterlabs.org]
  resources: [backupschedules]
  verbs: [list, watch]
- apiGroups: [clusterlabs.org]
  resources: [backupschedules/status]
  verbs: [patch]
# Member pods: informer (list, watch), role/active-member labels (patch), replacing a failed member (delete).
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch, patch, delete]
# The member-ready readiness gate: a condition in each member pod's status (strategic merge patch).
- apiGroups: [""]
  resources: [pods/status]
  verbs: [patch]
# The application's commands, through the exec API over a WebSocket (GET upgrade; create since 1.35).
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create, get]
# StatefulSet rss-<n> and headless Service <n>-svc: informers, then server-side apply (patch, create).
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [list, watch, create, patch]
- apiGroups: [""]
  resources: [services]
  verbs: [list, watch, create, patch]
# PodDisruptionBudget rss-<n>: informer, server-side apply (patch, create); delete when it is disabled.
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [list, watch, create, patch, delete]
# Events on the RSS, Backups and BackupSchedules; a repeat raises the count of the existing Event by patch.
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
# The Secrets named in a cluster's spec.backup.storage.s3 (credentials, ca): get, no list or watch.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- end -}}

{{/* The Lease's rules, in the release namespace (--lease-name is leaderElection.leaseName). */}}
{{- define "rss-operator.leaseRules" -}}
# Leader election: create cannot be limited to a name; get and update only on the operator's Lease.
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [{{ include "rss-operator.leaseName" . | quote }}]
  verbs: [get, update]
{{- end -}}
