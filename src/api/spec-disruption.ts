// spec.podDisruptionBudget: the PodDisruptionBudget the operator keeps for the members, so that voluntary
// evictions (a node drain, the cluster autoscaler) take members one at a time. The shape is the PDB's own
// (maxUnavailable or minAvailable, a whole number or a percentage), with `enabled` to leave it out, as
// mariadb-operator and Percona's operators have it.
import { quote } from './duration.ts';
import { absent, bool, isObject, type Collector } from './spec-values.ts';

/** A PDB bound: a whole number of pods, or a percentage of the members ("50%"). */
export type IntOrPercent = number | string;

export interface ResolvedDisruptionBudget {
  /** false: no PodDisruptionBudget (an existing one is deleted). */
  enabled: boolean;
  /** Exactly one of the two is set; maxUnavailable 1 by default. */
  maxUnavailable?: IntOrPercent;
  minAvailable?: IntOrPercent;
}

export const DEFAULT_MAX_UNAVAILABLE = 1;
/** A percentage, as the CRD schema's pattern for maxUnavailable and minAvailable has it. */
export const PERCENT_PATTERN = '^(0|[1-9][0-9]*)%$';
const PERCENT = new RegExp(PERCENT_PATTERN);
const FIELD = 'spec.podDisruptionBudget';

function intOrPercent(c: Collector, field: string, v: unknown): IntOrPercent | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2_147_483_647) return v;
  if (typeof v === 'string' && PERCENT.test(v) && Number(v.slice(0, -1)) <= 100) return v;
  c.problem(field, `must be a whole number of pods (0 or more) or a percentage from "0%" to "100%", got ${quote(v)}`);
  return undefined;
}

const isZero = (v: IntOrPercent) => v === 0 || v === '0%';
const isAll = (v: IntOrPercent) => v === '100%';

/** Reads spec.podDisruptionBudget; undefined when it has a problem (recorded on the collector). */
export function resolveDisruptionBudget(c: Collector, v: unknown, replicas: number | undefined): ResolvedDisruptionBudget | undefined {
  if (absent(v)) return { enabled: true, maxUnavailable: DEFAULT_MAX_UNAVAILABLE };
  if (!isObject(v)) {
    c.problem(FIELD, `must be an object ({enabled, maxUnavailable} or {enabled, minAvailable}), got ${quote(v)}`);
    return undefined;
  }
  const before = c.problems.length;
  const unknown = Object.keys(v).filter((k) => !['enabled', 'maxUnavailable', 'minAvailable'].includes(k));
  for (const k of unknown) c.problem(`${FIELD}.${k}`, 'unknown field: the fields are enabled, maxUnavailable and minAvailable');
  const enabled = bool(c, `${FIELD}.enabled`, v['enabled'], true);
  const max = absent(v['maxUnavailable']) ? undefined : intOrPercent(c, `${FIELD}.maxUnavailable`, v['maxUnavailable']);
  const min = absent(v['minAvailable']) ? undefined : intOrPercent(c, `${FIELD}.minAvailable`, v['minAvailable']);
  if (!absent(v['maxUnavailable']) && !absent(v['minAvailable'])) {
    c.problem(FIELD, 'set maxUnavailable or minAvailable, not both (a PodDisruptionBudget takes one)');
  }
  if (c.problems.length > before || enabled === undefined) return undefined;
  if (!enabled) return { enabled: false };
  if (min !== undefined) {
    if (isZero(min)) c.warn(`${FIELD}.minAvailable`, 'is 0: the budget allows any number of members to be evicted at once');
    else if (isAll(min) || (typeof min === 'number' && replicas !== undefined && min >= replicas && replicas > 0)) {
      c.warn(`${FIELD}.minAvailable`, `is ${quote(min)}: no member can ever be evicted, so a node drain waits until it is stopped by hand`);
    }
    return { enabled: true, minAvailable: min };
  }
  const maxUnavailable = max ?? DEFAULT_MAX_UNAVAILABLE;
  if (isZero(maxUnavailable)) c.warn(`${FIELD}.maxUnavailable`, 'is 0: no member can ever be evicted, so a node drain waits until it is stopped by hand');
  else if (typeof maxUnavailable === 'number' && maxUnavailable > 1) {
    c.warn(`${FIELD}.maxUnavailable`, `is ${maxUnavailable}: a drain may take ${maxUnavailable} members at once, which can cost the cluster its majority`);
  }
  return { enabled: true, maxUnavailable };
}
