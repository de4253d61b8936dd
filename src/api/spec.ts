// From the stored resource to what the operator acts on: defaults applied, durations read, and the checks
// the CRD schema cannot express. Never throws: whatever the object holds, the answer is either a resolved
// spec or a list of problems, each naming the field (reported as SpecValid=False and an Event).

import type {
  V1Affinity,
  V1Container,
  V1LocalObjectReference,
  V1PersistentVolumeClaim,
  V1PodSecurityContext,
  V1ServicePort,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import type { ClusterPolicy } from '../engine/types.ts';
import { formatDuration, parseDuration, quote } from './duration.ts';
import { resolveBackupPolicy, resolveBootstrapSource, type ResolvedBackupPolicy, type ResolvedBootstrapSource } from './backup-spec.ts';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_RESTORE, ANNOTATION_SEED_OVERRIDE, nameProblem, ordinalOf, podName } from './names.ts';
import {
  COMMAND_NAMES,
  REQUIRED_COMMANDS,
  type CommandName,
  type OptionalCommandName,
  type ReplicatedStatefulSet,
  type RequiredCommandName,
} from './types.ts';

export interface SpecProblem {
  /** Path of the offending field, e.g. "spec.pod.commands.status.timeout". */
  field: string;
  message: string;
}

export type SpecResult = { ok: true; spec: ResolvedSpec } | { ok: false; problems: SpecProblem[] };

export interface ResolvedCommand {
  argv: string[];
  timeoutMs: number;
}

/** Every command name is a key; the optional ones (seed, secondary) may be undefined. */
export type ResolvedCommands = { [K in RequiredCommandName]: ResolvedCommand } & {
  [K in OptionalCommandName]: ResolvedCommand | undefined;
};

/** What the StatefulSet's pod template is built from (deep copies: safe to modify). */
export interface ResolvedPod {
  containers: V1Container[];
  volumes: V1Volume[];
  volumeClaimTemplates: V1PersistentVolumeClaim[];
  securityContext?: V1PodSecurityContext;
  antiAffinity: boolean;
  automountServiceAccountToken?: boolean;
  /** spec.pod.nodeSelector overlaid with spec.nodeSelector. */
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  serviceAccountName?: string;
  /** Secret names, each to be mounted read-only at /etc/rss/secrets/<name> in every container. */
  secrets: string[];
  imagePullSecrets?: V1LocalObjectReference[];
}

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
}

export const DEFAULT_REPLICAS = 3;
export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
/** How often a running primary's sequence is read for the high-water mark, unless spec.sequenceInterval says. */
export const DEFAULT_SEQUENCE_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_TIMEOUT_MS: Readonly<Record<CommandName, number>> = {
  sequence: 60_000,
  status: 60_000,
  seed: 600_000,
  primary: 600_000,
  secondary: 600_000,
  stop: 600_000,
  // A backup or a restore moves the whole data set.
  backup: 3_600_000,
  restore: 3_600_000,
};
export const MIN_RECONCILE_INTERVAL_MS = 1_000;
/** Longest interval or timeout: 24 days, safely below the 2^31-1 ms limit of Node's timers. */
export const MAX_WAIT_MS = 24 * 24 * 3_600_000;
const MAX_INT32 = 2_147_483_647;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** Absent (undefined or null: the API server prunes nulls it does not allow). */
function absent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

class Collector {
  readonly problems: SpecProblem[] = [];
  readonly warnings: SpecProblem[] = [];
  problem(field: string, message: string): void {
    this.problems.push({ field, message });
  }
  warn(field: string, message: string): void {
    this.warnings.push({ field, message });
  }
}

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

  // seed override
  let seedOverride: string | undefined;
  const annotations = metadata['annotations'];
  const override = isObject(annotations) ? annotations[ANNOTATION_SEED_OVERRIDE] : undefined;
  if (typeof override === 'string' && override.trim() !== '') {
    seedOverride = override.trim();
    if (typeof name === 'string' && ordinalOf(seedOverride, name) === undefined) {
      c.problem(
        `metadata.annotations[${ANNOTATION_SEED_OVERRIDE}]`,
        `names ${quote(seedOverride)}, which is not a member of this cluster: use a pod name such as ${podName(name, 0)}, or remove the annotation`,
      );
    }
  }

  // fenced members: names that are not members are ignored with a warning (fencing must never stop the
  // whole cluster's management because of a typo)
  const fenced: string[] = [];
  const fencedText = isObject(annotations) ? annotations[ANNOTATION_FENCED] : undefined;
  if (typeof fencedText === 'string') {
    for (const entry of fencedText.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
      if (typeof name === 'string' && ordinalOf(entry, name) === undefined) {
        c.warn(`metadata.annotations[${ANNOTATION_FENCED}]`, `names ${quote(entry)}, which is not a member of this cluster: ignored`);
      } else if (!fenced.includes(entry)) {
        fenced.push(entry);
      }
    }
  }
  const restartText = isObject(annotations) ? annotations[ANNOTATION_RESTART] : undefined;
  const restart = typeof restartText === 'string' && restartText.trim() !== '' ? restartText.trim() : undefined;
  const pausedText = isObject(annotations) ? annotations[ANNOTATION_PAUSED] : undefined;
  let pausedByAnnotation = false;
  if (typeof pausedText === 'string' && pausedText.trim() !== '') {
    if (pausedText.trim() === 'true') pausedByAnnotation = true;
    else if (pausedText.trim() !== 'false') c.warn(`metadata.annotations[${ANNOTATION_PAUSED}]`, `must be "true" or "false", got ${quote(pausedText)}: ignored`);
  }

  // backups and restores
  const backup = resolveBackupPolicy(c, spec['backup']);
  const bootstrap = resolveBootstrapSource(c, spec['bootstrap']);
  const restoreText = isObject(annotations) ? annotations[ANNOTATION_RESTORE] : undefined;
  let restoreAnnotation = typeof restoreText === 'string' && restoreText.trim() !== '' ? restoreText.trim() : undefined;
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
  if (statusIntervalMs === undefined || failureThreshold === undefined || paused === undefined || sequenceIntervalMs === undefined) {
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

  const resolved: ResolvedSpec = { policy, commands, pod: resolvedPod, warnings: c.warnings };
  if (backup !== undefined) resolved.backup = backup;
  if (bootstrap !== undefined) resolved.bootstrap = bootstrap;
  if (restoreAnnotation !== undefined) resolved.restoreAnnotation = restoreAnnotation;
  if (servicePorts !== undefined) resolved.servicePorts = servicePorts;
  return { ok: true, spec: resolved };
}

function wholeNumber(c: Collector, field: string, v: unknown, min: number, dflt: number): number | undefined {
  if (absent(v)) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    c.problem(field, `must be a whole number, got ${quote(v)}`);
    return undefined;
  }
  if (v < min) {
    c.problem(field, `must be at least ${min}, got ${v}`);
    return undefined;
  }
  if (v > MAX_INT32) {
    c.problem(field, `must be at most ${MAX_INT32}, got ${v}`);
    return undefined;
  }
  return v;
}

function bool(c: Collector, field: string, v: unknown, dflt: boolean): boolean | undefined {
  if (absent(v)) return dflt;
  if (typeof v !== 'boolean') {
    c.problem(field, `must be true or false, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

function isZeroDuration(v: unknown): boolean {
  try {
    return parseDuration(v) === 0;
  } catch {
    return false;
  }
}

function duration(c: Collector, field: string, v: unknown, dflt: number, min: number): number | undefined {
  if (absent(v)) return dflt;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (err) {
    c.problem(field, err instanceof Error ? err.message : String(err));
    return undefined;
  }
  if (ms <= 0) {
    c.problem(field, `must be longer than 0, got ${quote(v)}`);
    return undefined;
  }
  if (ms < min) {
    c.problem(field, `must be at least ${formatDuration(min)}, got ${quote(v)}`);
    return undefined;
  }
  if (ms > MAX_WAIT_MS) {
    c.problem(field, `must be at most ${formatDuration(MAX_WAIT_MS)} (24 days), got ${quote(v)}`);
    return undefined;
  }
  return ms;
}

function resolveCommands(c: Collector, field: string, v: unknown): ResolvedCommands | undefined {
  if (!isObject(v)) {
    c.problem(
      field,
      absent(v)
        ? `required: the ${REQUIRED_COMMANDS.join(', ')} commands (and optionally seed, secondary, backup, restore)`
        : `must be an object of commands, got ${quote(v)}`,
    );
    return undefined;
  }
  const before = c.problems.length;
  const out: Partial<Record<CommandName, ResolvedCommand>> = {};
  for (const name of COMMAND_NAMES) {
    const cmd = resolveCommand(c, `${field}.${name}`, name, v[name]);
    if (cmd) out[name] = cmd;
  }
  for (const key of Object.keys(v)) {
    if (!(COMMAND_NAMES as readonly string[]).includes(key)) {
      c.warn(`${field}.${key}`, `unknown command, ignored (known: ${COMMAND_NAMES.join(', ')})`);
    }
  }
  if (c.problems.length > before) return undefined;
  const { sequence, primary, status, stop } = out;
  if (!sequence || !primary || !status || !stop) return undefined;
  return { sequence, seed: out.seed, primary, secondary: out.secondary, status, stop, backup: out.backup, restore: out.restore };
}

function resolveCommand(c: Collector, field: string, name: CommandName, v: unknown): ResolvedCommand | undefined {
  const required = (REQUIRED_COMMANDS as readonly string[]).includes(name);
  if (absent(v)) {
    if (required) c.problem(field, `required: the ${name} command ({command: [...], timeout: ...})`);
    return undefined;
  }
  if (!isObject(v)) {
    c.problem(field, `must be an object {command: [...], timeout: ...}, got ${quote(v)}`);
    return undefined;
  }
  const argv = v['command'];
  let ok = true;
  if (absent(argv)) {
    c.problem(`${field}.command`, 'required: the program and its arguments, e.g. ["/check.sh"]');
    ok = false;
  } else if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    c.problem(`${field}.command`, `must be a list of strings, got ${quote(argv)}`);
    ok = false;
  } else if (argv.length === 0) {
    c.problem(`${field}.command`, 'must not be empty: give the program to run, e.g. ["/check.sh"]');
    ok = false;
  } else if (!isNonEmptyString(argv[0])) {
    c.problem(`${field}.command[0]`, 'must name the program to run, got an empty string');
    ok = false;
  }
  const timeoutMs = duration(c, `${field}.timeout`, v['timeout'], DEFAULT_TIMEOUT_MS[name], 1);
  if (!ok || timeoutMs === undefined) return undefined;
  return { argv: [...(argv as string[])], timeoutMs };
}

function resolvePod(c: Collector, spec: Json, pod: Json): ResolvedPod | undefined {
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

  if (c.problems.length > before || !Array.isArray(containers) || antiAffinity === undefined) return undefined;

  const out: ResolvedPod = {
    containers: structuredClone(containers) as V1Container[],
    volumes: structuredClone(volumes ?? []) as V1Volume[],
    volumeClaimTemplates: structuredClone(claims ?? []) as V1PersistentVolumeClaim[],
    antiAffinity,
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

function listOf(c: Collector, field: string, v: unknown): unknown[] | undefined {
  if (absent(v)) return undefined;
  if (!Array.isArray(v)) {
    c.problem(field, `must be a list, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

function objectOf(c: Collector, field: string, v: unknown): Json | undefined {
  if (absent(v)) return undefined;
  if (!isObject(v)) {
    c.problem(field, `must be an object, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

function stringMap(c: Collector, field: string, v: unknown): Record<string, string> | undefined {
  const obj = objectOf(c, field, v);
  if (!obj) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) {
    if (typeof val !== 'string') c.problem(`${field}.${k}`, `must be a string, got ${quote(val)}`);
    else out[k] = val;
  }
  return out;
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
