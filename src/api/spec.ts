// From the stored resource to what the operator acts on: defaults applied, durations read, and the checks
// the CRD schema cannot express. Never throws: whatever the object holds, the answer is either a resolved
// spec or a list of problems, each naming the field (reported as SpecValid=False and an Event).

import type { V1ServicePort } from '@kubernetes/client-node';
import type { ClusterPolicy } from '../engine/types.ts';
import { quote } from './duration.ts';
import { resolveBackupPolicy, resolveBootstrapSource, type ResolvedBackupPolicy, type ResolvedBootstrapSource } from './backup-spec.ts';
import { ANNOTATION_PAUSED, ANNOTATION_RESTORE, nameProblem } from './names.ts';
import type { ReplicatedStatefulSet } from './types.ts';
import { readAnnotations } from './spec-annotations.ts';
import { resolveCommands, type ResolvedCommands } from './spec-commands.ts';
import { resolveDisruptionBudget, type ResolvedDisruptionBudget } from './spec-disruption.ts';
import { resolvePod, type ResolvedPod } from './spec-pod.ts';
import { absent, bool, Collector, duration, isObject, isZeroDuration, wholeNumber } from './spec-values.ts';

// Defined with the code that uses them, and part of this module's API as well.
export { DEFAULT_TIMEOUT_MS, type ResolvedCommand, type ResolvedCommands } from './spec-commands.ts';
export type { ResolvedPod } from './spec-pod.ts';
export type { IntOrPercent, ResolvedDisruptionBudget } from './spec-disruption.ts';
export { MAX_WAIT_MS } from './spec-values.ts';

export interface SpecProblem {
  /** Path of the offending field, e.g. "spec.pod.commands.status.timeout". */
  field: string;
  message: string;
}

export type SpecResult = { ok: true; spec: ResolvedSpec } | { ok: false; problems: SpecProblem[] };

export interface ResolvedSpec {
  policy: ClusterPolicy;
  commands: ResolvedCommands;
  pod: ResolvedPod;
  /** Ports of the headless Service: spec.servicePorts, else spec.service.servicePorts. */
  servicePorts?: V1ServicePort[];
  /** Accepted, but worth telling the user (Event of type Warning): ignored fields, quorum at risk. */
  warnings: SpecProblem[];
  /** spec.backup: where backups go. */
  backup?: ResolvedBackupPolicy;
  /** spec.bootstrap: the backup a new cluster starts from. */
  bootstrap?: ResolvedBootstrapSource;
  /** The restore annotation: a Backup name, or "latest". */
  restoreAnnotation?: string;
  /** spec.podDisruptionBudget: the members' PodDisruptionBudget (maxUnavailable 1 by default). */
  disruptionBudget: ResolvedDisruptionBudget;
}

export const DEFAULT_REPLICAS = 3;
export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
/** How often a running primary's sequence is read for the high-water mark, unless spec.sequenceInterval says. */
export const DEFAULT_SEQUENCE_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const MIN_RECONCILE_INTERVAL_MS = 1_000;

/** What the operator process allows beyond the schema. */
export interface SpecLimits {
  /** Most members of one cluster (the operator's --max-replicas); the schema's bound is MAX_REPLICAS. */
  maxReplicas?: number;
}

/** The schema's bound on spec.replicas: a typo of a few zeros must not ask for a hundred thousand pods. */
export const MAX_REPLICAS = 1000;
/** The operator's default limit, raised with --max-replicas up to MAX_REPLICAS. */
export const DEFAULT_MAX_REPLICAS = 100;

/** Defaults, durations and semantic checks for one RSS. Never throws. */
export function resolveSpec(rss: ReplicatedStatefulSet, limits: SpecLimits = {}): SpecResult {
  try {
    return resolve(rss as unknown, limits);
  } catch (err) {
    // Not expected; the resolver's contract is to answer, so answer with what went wrong.
    return { ok: false, problems: [{ field: 'spec', message: `could not be read: ${oneLine(String(err))}` }] };
  }
}

function resolve(obj: unknown, limits: SpecLimits): SpecResult {
  const c = new Collector();
  if (!isObject(obj)) return { ok: false, problems: [{ field: '', message: 'not an object' }] };

  const metadata = isObject(obj['metadata']) ? obj['metadata'] : {};
  const name = metadata['name'];
  if (typeof name !== 'string') c.problem('metadata.name', 'required');
  else {
    const why = nameProblem(name);
    if (why) c.problem('metadata.name', why);
  }

  const spec = obj['spec'];
  if (!isObject(spec)) {
    c.problem('spec', absent(spec) ? 'required' : `must be an object, got ${quote(spec)}`);
    return { ok: false, problems: c.problems };
  }

  // replicas, primaries
  const replicas = wholeNumber(c, 'spec.replicas', spec['replicas'], 0, DEFAULT_REPLICAS);
  const maxReplicas = Math.min(limits.maxReplicas ?? DEFAULT_MAX_REPLICAS, MAX_REPLICAS);
  if (replicas !== undefined && replicas > maxReplicas) {
    c.problem(
      'spec.replicas',
      `is ${replicas}, above this operator's limit of ${maxReplicas} members: nothing is created for it; ` +
        (maxReplicas < MAX_REPLICAS ? `if it is not a typo, start the operator with --max-replicas ${Math.min(replicas, MAX_REPLICAS)}` : 'it cannot be raised further'),
    );
  }
  if (replicas !== undefined && (replicas === 1 || replicas === 2)) {
    c.warn(
      'spec.replicas',
      `${replicas} member${replicas === 1 ? '' : 's'}: the cluster cannot keep a majority when a member fails; 3 or more are recommended`,
    );
  }

  const commandsField = 'spec.pod.commands';
  const pod = spec['pod'];
  const podObj = isObject(pod) ? pod : undefined;
  if (!podObj) c.problem('spec.pod', absent(pod) ? 'required: the member pod (containers and commands)' : `must be an object, got ${quote(pod)}`);
  const commands = podObj ? resolveCommands(c, commandsField, podObj['commands']) : undefined;
  const hasSecondary = commands?.secondary !== undefined;

  const primariesRaw = spec['primaries'];
  let primaries = wholeNumber(c, 'spec.primaries', primariesRaw, 0, replicas ?? DEFAULT_REPLICAS);
  if (primaries !== undefined && replicas !== undefined) {
    if (!absent(primariesRaw)) {
      if (primaries === 0 && replicas > 0) {
        c.problem('spec.primaries', 'must be at least 1 while replicas is above 0: a cluster starts from a primary');
      } else if (primaries < replicas && commands !== undefined && !hasSecondary) {
        c.problem(
          'spec.primaries',
          `is ${primaries} but replicas is ${replicas}: members beyond the primaries need a secondary command (spec.pod.commands.secondary), or set primaries to replicas`,
        );
      }
    }
    primaries = Math.min(primaries, replicas);
  }

  // durations, threshold, paused
  const statusIntervalMs = duration(c, 'spec.reconcileInterval', spec['reconcileInterval'], DEFAULT_RECONCILE_INTERVAL_MS, MIN_RECONCILE_INTERVAL_MS);
  const failureThreshold = wholeNumber(c, 'spec.failureThreshold', spec['failureThreshold'], 1, DEFAULT_FAILURE_THRESHOLD);
  // 0 turns the running reads off; anything else is a duration of at least the minimum interval.
  const sequenceRaw = spec['sequenceInterval'];
  const sequenceIntervalMs = !absent(sequenceRaw) && isZeroDuration(sequenceRaw)
    ? 0
    : duration(c, 'spec.sequenceInterval', sequenceRaw, DEFAULT_SEQUENCE_INTERVAL_MS, MIN_RECONCILE_INTERVAL_MS);
  const paused = bool(c, 'spec.paused', spec['paused'], false);

  // the pod
  const resolvedPod = podObj ? resolvePod(c, spec, podObj) : undefined;

  // annotations: seed override, fenced members, restart, paused, restore
  const requested = readAnnotations(c, name, metadata['annotations']);
  const { seedOverride, fenced, restart, switchover, pausedByAnnotation } = requested;

  // backups and restores
  const backup = resolveBackupPolicy(c, spec['backup']);
  const bootstrap = resolveBootstrapSource(c, spec['bootstrap']);
  let restoreAnnotation = requested.restoreAnnotation;
  const noRestoreCommand = commands !== undefined && commands.restore === undefined;
  const needRestore = `a restore needs the restore command (${commandsField}.restore), which reads a backup on stdin`;
  const needStorage = 'a restore needs spec.backup.storage: where the backup is stored';
  if (bootstrap !== undefined && noRestoreCommand) c.problem('spec.bootstrap', needRestore);
  if (bootstrap !== undefined && absent(spec['backup'])) c.problem('spec.bootstrap', needStorage);
  if (backup?.restoreOnDataLoss && noRestoreCommand) c.problem('spec.backup.restoreOnDataLoss', needRestore);
  // A request that cannot be carried out is a warning, not a reason to stop managing the cluster.
  if (restoreAnnotation !== undefined && (noRestoreCommand || absent(spec['backup']))) {
    c.warn(`metadata.annotations[${ANNOTATION_RESTORE}]`, `${noRestoreCommand ? needRestore : needStorage}: ignored`);
    restoreAnnotation = undefined;
  }

  // the members' PodDisruptionBudget
  const disruptionBudget = resolveDisruptionBudget(c, spec['podDisruptionBudget'], replicas);

  // service ports
  let servicePorts: V1ServicePort[] | undefined;
  const service = spec['service'];
  if (!absent(service) && !isObject(service)) c.problem('spec.service', `must be an object, got ${quote(service)}`);
  const ports = !absent(spec['servicePorts']) ? spec['servicePorts'] : isObject(service) ? service['servicePorts'] : undefined;
  const portsField = !absent(spec['servicePorts']) ? 'spec.servicePorts' : 'spec.service.servicePorts';
  if (!absent(ports)) {
    if (!Array.isArray(ports) || !ports.every(isObject)) c.problem(portsField, 'must be a list of Service ports');
    else servicePorts = structuredClone(ports) as unknown as V1ServicePort[];
  }
  if (isObject(service)) {
    const ignored = Object.keys(service).filter((k) => k !== 'servicePorts');
    if (ignored.length > 0) {
      c.warn('spec.service', `${ignored.join(', ')}: accepted for compatibility and ignored; the headless Service is <name>-svc`);
    }
  }
  for (const key of ['resources', 'chaosLevel', 'TLS', 'ruleSelector']) {
    if (!absent(spec[key])) c.warn(`spec.${key}`, 'accepted for compatibility with the original operator and ignored');
  }

  if (c.problems.length > 0 || !commands || !resolvedPod || replicas === undefined || primaries === undefined) {
    if (c.problems.length === 0) c.problem('spec', 'could not be read'); // unreachable: every undefined above recorded a problem
    return { ok: false, problems: c.problems };
  }
  if (statusIntervalMs === undefined || failureThreshold === undefined || paused === undefined || sequenceIntervalMs === undefined || disruptionBudget === undefined) {
    return { ok: false, problems: c.problems };
  }

  const policy: ClusterPolicy = {
    replicas,
    primaries,
    hasSeedCommand: commands.seed !== undefined,
    hasSecondaryCommand: hasSecondary,
    statusIntervalMs,
    sequenceIntervalMs,
    failureThreshold,
    paused: paused || pausedByAnnotation,
    fenced,
  };
  if (paused) policy.pausedBy = 'spec.paused is true';
  else if (pausedByAnnotation) policy.pausedBy = `paused by the ${ANNOTATION_PAUSED} annotation`;
  if (seedOverride !== undefined) policy.seedOverride = seedOverride;
  if (restart !== undefined) policy.restart = restart;
  if (switchover !== undefined) policy.switchover = switchover;

  const resolved: ResolvedSpec = { policy, commands, pod: resolvedPod, warnings: c.warnings, disruptionBudget };
  if (backup !== undefined) resolved.backup = backup;
  if (bootstrap !== undefined) resolved.bootstrap = bootstrap;
  if (restoreAnnotation !== undefined) resolved.restoreAnnotation = restoreAnnotation;
  if (servicePorts !== undefined) resolved.servicePorts = servicePorts;
  return { ok: true, spec: resolved };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The problems as one line, for a condition message or an Event: "spec.replicas: must be …; spec.pod…". */
export function describeProblems(problems: readonly SpecProblem[]): string {
  return problems
    .map((p) => oneLine(p.field ? `${p.field}: ${p.message}` : p.message))
    .join('; ');
}
