// spec.pod and the pod-level fields of spec: what the StatefulSet's pod template is built from.
import type {
  V1Affinity,
  V1Container,
  V1LocalObjectReference,
  V1PersistentVolumeClaim,
  V1PodSecurityContext,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import { quote } from './duration.ts';
import { absent, bool, isNonEmptyString, isObject, listOf, objectOf, stringMap, type Collector, type Json } from './spec-values.ts';

/** What the StatefulSet's pod template is built from (deep copies: safe to modify). */
export interface ResolvedPod {
  containers: V1Container[];
  volumes: V1Volume[];
  volumeClaimTemplates: V1PersistentVolumeClaim[];
  securityContext?: V1PodSecurityContext;
  antiAffinity: boolean;
  automountServiceAccountToken?: boolean;
  /** The member pods use their node's network namespace. */
  hostNetwork: boolean;
  /** spec.pod.nodeSelector overlaid with spec.nodeSelector. */
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  serviceAccountName?: string;
  /** Secret names, each to be mounted read-only at /etc/rss/secrets/<name> in every container. */
  secrets: string[];
  imagePullSecrets?: V1LocalObjectReference[];
}

export function resolvePod(c: Collector, spec: Json, pod: Json): ResolvedPod | undefined {
  const before = c.problems.length;
  const f = 'spec.pod';

  const containers = pod['containers'];
  if (!Array.isArray(containers) || containers.length === 0) {
    c.problem(
      `${f}.containers`,
      absent(containers) || Array.isArray(containers)
        ? 'at least one container is required (name and image); commands run in the first'
        : `must be a list of containers, got ${quote(containers)}`,
    );
  } else {
    const seen = new Set<string>();
    containers.forEach((ct: unknown, i) => {
      const cf = `${f}.containers[${i}]`;
      if (!isObject(ct)) {
        c.problem(cf, `must be a container object, got ${quote(ct)}`);
        return;
      }
      if (!isNonEmptyString(ct['name'])) c.problem(`${cf}.name`, 'required');
      else if (seen.has(ct['name'])) c.problem(`${cf}.name`, `duplicate container name ${quote(ct['name'])}`);
      else seen.add(ct['name']);
      if (!isNonEmptyString(ct['image'])) c.problem(`${cf}.image`, 'required');
    });
  }

  const volumes = listOf(c, `${f}.volumes`, pod['volumes']);
  const claims = listOf(c, `${f}.volumeClaimTemplates`, pod['volumeClaimTemplates']);
  claims?.forEach((claim, i) => {
    const meta = isObject(claim) ? claim['metadata'] : undefined;
    if (!isObject(meta) || !isNonEmptyString(meta['name'])) {
      c.problem(`${f}.volumeClaimTemplates[${i}].metadata.name`, 'required: containers mount the claim by this name');
    }
  });
  const securityContext = objectOf(c, `${f}.securityContext`, pod['securityContext']);
  const antiAffinity = bool(c, `${f}.antiAffinity`, pod['antiAffinity'], false);
  const hostNetwork = bool(c, `${f}.hostNetwork`, pod['hostNetwork'], false);
  const automount = pod['automountServiceAccountToken'];
  if (!absent(automount) && typeof automount !== 'boolean') {
    c.problem(`${f}.automountServiceAccountToken`, `must be true or false, got ${quote(automount)}`);
  }
  const podNodeSelector = stringMap(c, `${f}.nodeSelector`, pod['nodeSelector']);
  const nodeSelector = stringMap(c, 'spec.nodeSelector', spec['nodeSelector']);
  const tolerations = listOf(c, 'spec.tolerations', spec['tolerations']);
  const affinity = objectOf(c, 'spec.affinity', spec['affinity']);
  const serviceAccountName = spec['serviceAccountName'];
  if (!absent(serviceAccountName) && typeof serviceAccountName !== 'string') {
    c.problem('spec.serviceAccountName', `must be a string, got ${quote(serviceAccountName)}`);
  }
  const secrets = listOf(c, 'spec.secrets', spec['secrets']);
  secrets?.forEach((s, i) => {
    if (!isNonEmptyString(s)) c.problem(`spec.secrets[${i}]`, `must be the name of a Secret, got ${quote(s)}`);
  });
  const pullSecrets = listOf(c, 'spec.imagePullSecrets', spec['imagePullSecrets']);

  if (c.problems.length > before || !Array.isArray(containers) || antiAffinity === undefined || hostNetwork === undefined) return undefined;

  const out: ResolvedPod = {
    containers: structuredClone(containers) as V1Container[],
    volumes: structuredClone(volumes ?? []) as V1Volume[],
    volumeClaimTemplates: structuredClone(claims ?? []) as V1PersistentVolumeClaim[],
    antiAffinity,
    hostNetwork,
    secrets: [...((secrets ?? []) as string[])],
  };
  if (securityContext) out.securityContext = structuredClone(securityContext) as V1PodSecurityContext;
  if (typeof automount === 'boolean') out.automountServiceAccountToken = automount;
  if (podNodeSelector || nodeSelector) out.nodeSelector = { ...podNodeSelector, ...nodeSelector };
  if (tolerations) out.tolerations = structuredClone(tolerations) as V1Toleration[];
  if (affinity) out.affinity = structuredClone(affinity) as V1Affinity;
  if (isNonEmptyString(serviceAccountName)) out.serviceAccountName = serviceAccountName;
  if (pullSecrets) out.imagePullSecrets = structuredClone(pullSecrets) as V1LocalObjectReference[];
  return out;
}
