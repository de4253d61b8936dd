// The Kubernetes objects an RSS owns, built from its spec: the members' StatefulSet and the headless
// Service that gives each member the DNS name <pod>.<n>-svc. Pure functions, tested without a cluster.
import type { V1Affinity, V1Container, V1OwnerReference, V1PodDisruptionBudget, V1Service, V1StatefulSet, V1Volume } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { API_VERSION, KIND, READINESS_GATE_MEMBER, disruptionBudgetName, selectorLabels, serviceName, statefulSetName } from '../api/names.ts';
import type { ResolvedSpec } from '../api/spec.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';

/** Annotation on children: hash of what the operator last applied, so unchanged objects are not rewritten. */
export const APPLIED_HASH_ANNOTATION = 'rss.clusterlabs.org/applied-hash';
export const SECRETS_MOUNT_ROOT = '/etc/rss/secrets';

export function ownerReference(rss: ReplicatedStatefulSet): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: rss.metadata.name!,
    uid: rss.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

function withHash<T extends V1StatefulSet | V1Service | V1PodDisruptionBudget>(object: T): T {
  const hash = hashOf(object);
  object.metadata = { ...object.metadata, annotations: { ...object.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash } };
  return object;
}

export function appliedHash(object: { metadata?: { annotations?: Record<string, string> } } | undefined): string | undefined {
  return object?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
}

function memberContainers(rss: ReplicatedStatefulSet, spec: ResolvedSpec): V1Container[] {
  const n = rss.metadata.name!;
  const secrets = spec.pod.secrets;
  return spec.pod.containers.map((container) => {
    const own = (container.env ?? []).filter((e) => !['POD_NAME', 'POD_NAMESPACE', 'SERVICE_NAME'].includes(e.name));
    return {
      ...container,
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'SERVICE_NAME', value: serviceName(n) },
        ...own,
      ],
      volumeMounts: [
        ...(container.volumeMounts ?? []),
        ...secrets.map((s) => ({ name: `rss-secret-${s}`, mountPath: `${SECRETS_MOUNT_ROOT}/${s}`, readOnly: true })),
      ],
    };
  });
}

function memberAffinity(rss: ReplicatedStatefulSet, spec: ResolvedSpec): V1Affinity | undefined {
  const affinity: V1Affinity = { ...spec.pod.affinity };
  if (spec.pod.antiAffinity) {
    const anti = affinity.podAntiAffinity ?? {};
    affinity.podAntiAffinity = {
      ...anti,
      requiredDuringSchedulingIgnoredDuringExecution: [
        ...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        // The original's selector matched no pod; this one matches exactly the members of this cluster.
        { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(rss.metadata.name!) } },
      ],
    };
  }
  return Object.keys(affinity).length > 0 ? affinity : undefined;
}

/** The members' StatefulSet: Parallel pod management, OnDelete updates (the operator decides when a pod goes). */
export function buildStatefulSet(rss: ReplicatedStatefulSet, spec: ResolvedSpec, replicas: number): V1StatefulSet {
  const n = rss.metadata.name!;
  const labels = selectorLabels(n);
  const pod = spec.pod;
  const secretVolumes: V1Volume[] = pod.secrets.map((s) => ({ name: `rss-secret-${s}`, secret: { secretName: s } }));
  const volumes = [...pod.volumes, ...secretVolumes];
  const affinity = memberAffinity(rss, spec);
  const template = {
    metadata: { labels: { ...labels } },
    spec: {
      // Ready only while the member runs (the operator sets the condition): see READINESS_GATE_MEMBER.
      readinessGates: [{ conditionType: READINESS_GATE_MEMBER }],
      containers: memberContainers(rss, spec),
      ...(volumes.length ? { volumes } : {}),
      ...(pod.securityContext ? { securityContext: pod.securityContext } : {}),
      ...(pod.automountServiceAccountToken !== undefined ? { automountServiceAccountToken: pod.automountServiceAccountToken } : {}),
      // Names of the cluster's Services still resolve from the node's network.
      ...(pod.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
      ...(pod.nodeSelector && Object.keys(pod.nodeSelector).length ? { nodeSelector: pod.nodeSelector } : {}),
      ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
      ...(affinity ? { affinity } : {}),
      ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
      ...(pod.imagePullSecrets ? { imagePullSecrets: pod.imagePullSecrets } : {}),
    },
  };
  return withHash({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: statefulSetName(n), namespace: rss.metadata.namespace!, labels: { ...labels }, ownerReferences: [ownerReference(rss)] },
    spec: {
      replicas,
      serviceName: serviceName(n),
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: labels },
      template,
      ...(pod.volumeClaimTemplates.length ? { volumeClaimTemplates: pod.volumeClaimTemplates } : {}),
    },
  });
}

/** The headless Service: members find each other as <pod>.<n>-svc, ready or not. */
export function buildService(rss: ReplicatedStatefulSet, spec: ResolvedSpec): V1Service {
  const n = rss.metadata.name!;
  const ports = spec.servicePorts ?? [];
  return withHash({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName(n), namespace: rss.metadata.namespace!, labels: selectorLabels(n), ownerReferences: [ownerReference(rss)] },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(n),
      ...(ports.length ? { ports } : {}),
    },
  });
}

/**
 * The members' PodDisruptionBudget, or undefined when spec.podDisruptionBudget.enabled is false. A pod
 * counts as healthy when Ready, which the member-ready readiness gate holds back until the member runs:
 * an eviction is allowed only while enough members are running, not merely while their pods exist.
 * Members that are not Ready (failed, stopped, not yet joined) may always be evicted: they serve nothing,
 * and a drain must not wait on a member that cannot recover where it is.
 */
export function buildPodDisruptionBudget(rss: ReplicatedStatefulSet, spec: ResolvedSpec): V1PodDisruptionBudget | undefined {
  const budget = spec.disruptionBudget;
  if (!budget.enabled) return undefined;
  const n = rss.metadata.name!;
  return withHash({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: disruptionBudgetName(n), namespace: rss.metadata.namespace!, labels: selectorLabels(n), ownerReferences: [ownerReference(rss)] },
    spec: {
      selector: { matchLabels: selectorLabels(n) },
      ...(budget.minAvailable !== undefined ? { minAvailable: budget.minAvailable } : { maxUnavailable: budget.maxUnavailable ?? 1 }),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
