// What the status says about a drain: members on cordoned nodes, members being evicted (the pod's
// DisruptionTarget condition), and whether the PodDisruptionBudget lets the next eviction through. Read
// from the caches only; a pure function, so that it is tested without a cluster.
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { disruptionBudgetName } from '../api/names.ts';
import type { DisruptionStatus, ReplicatedStatefulSet } from '../api/types.ts';
import type { ClusterState } from '../engine/state.ts';
import type { ClusterCaches } from './ports.ts';
import type { ConditionText } from './status.ts';

/** Condition type, present only while a member is disrupted. */
export const CONDITION_DRAINING = 'Draining';
const DISRUPTION_TARGET = 'DisruptionTarget';

export interface Disruption {
  /** status.disruption; null (removed by the merge patch) when no member is disrupted. */
  status: DisruptionStatus | null;
  /** The Draining condition, while a member is disrupted. */
  condition?: ConditionText;
  /** Per member, what is happening to it. */
  members: Map<string, string>;
}

/** Why the pod is being disrupted, from its DisruptionTarget condition (EvictionByEvictionAPI, …). */
function disruptionTarget(pod: V1Pod): string | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === DISRUPTION_TARGET && x.status === 'True');
  return c ? (c.reason ?? DISRUPTION_TARGET) : undefined;
}

/** Evictions the budget allows now, when it has observed its current spec; undefined when unknown. */
function evictionsAllowed(pdb: V1PodDisruptionBudget | undefined): number | undefined {
  const status = pdb?.status;
  if (!status || status.disruptionsAllowed === undefined) return undefined;
  if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) return undefined;
  return status.disruptionsAllowed;
}

const list = (names: string[]) => names.join(', ');

export function disruptionOf(pods: ReadonlyMap<string, V1Pod>, pdb: V1PodDisruptionBudget | undefined, nodeUnschedulable: (node: string) => boolean | undefined, running: (member: string) => boolean): Disruption {
  const members = new Map<string, string>();
  const cordoned = new Set<string>();
  const evicting: string[] = [];
  const waiting: string[] = [];
  for (const [name, pod] of [...pods].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))) {
    const node = pod.spec?.nodeName;
    const target = disruptionTarget(pod);
    const onCordoned = node !== undefined && nodeUnschedulable(node) === true;
    if (target !== undefined) {
      evicting.push(name);
      members.set(name, `being evicted (${target})${onCordoned ? ` from cordoned node ${node}` : ''}`);
    } else if (onCordoned) {
      waiting.push(name);
      members.set(name, `on cordoned node ${node}: to be evicted`);
    }
    if (onCordoned) cordoned.add(node);
  }
  if (members.size === 0) return { status: null, members };

  const allowed = evictionsAllowed(pdb);
  const blocked = allowed === 0 && waiting.length > 0;
  const notRunning = [...pods.keys()].filter((m) => !running(m));
  const nodes = [...cordoned].sort();
  const parts: string[] = [];
  if (nodes.length) parts.push(`node${nodes.length > 1 ? 's' : ''} ${list(nodes)} cordoned (drain)`);
  if (evicting.length) parts.push(`${list(evicting)} being evicted`);
  if (blocked) {
    for (const m of waiting) members.set(m, `${members.get(m)!}; eviction blocked by the PodDisruptionBudget`);
    parts.push(`eviction of ${list(waiting)} blocked by the PodDisruptionBudget until ${notRunning.length ? `${list(notRunning)} ${notRunning.length > 1 ? 'run' : 'runs'} as member${notRunning.length > 1 ? 's' : ''} again` : 'every member runs'}`);
  } else if (waiting.length) {
    parts.push(`${list(waiting)} to be evicted${allowed !== undefined ? ` (the PodDisruptionBudget allows ${allowed} eviction${allowed === 1 ? '' : 's'} now)` : ''}`);
  }
  const message = `${parts.join('; ')}`;
  const status: DisruptionStatus = { nodes, members: [...members.keys()], message };
  if (allowed !== undefined) status.evictionsAllowed = allowed;
  const reason = blocked ? 'EvictionBlocked' : evicting.length ? 'MemberEvicting' : 'NodeCordoned';
  return { status, members, condition: { type: CONDITION_DRAINING, status: 'True', reason, message: `${message.charAt(0).toUpperCase()}${message.slice(1)}` } };
}

/** The cluster's disruption as the caches show it; a member runs when its record (for this pod) says so. */
export function observeDisruption(caches: ClusterCaches, rss: ReplicatedStatefulSet, state: ClusterState, pods: ReadonlyMap<string, V1Pod>): Disruption {
  const pdb = caches.disruptionBudget(rss.metadata.namespace!, disruptionBudgetName(rss.metadata.name!));
  const running = (member: string) => {
    const r = state.records.get(member);
    return (r?.role === 'primary' || r?.role === 'secondary') && r.podUid === pods.get(member)?.metadata?.uid;
  };
  return disruptionOf(pods, pdb, (node) => caches.nodeUnschedulable(node), running);
}
