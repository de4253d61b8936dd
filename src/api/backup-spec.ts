// spec.backup, spec.bootstrap and the restore annotation of an RSS, and the spec of Backup and
// BackupSchedule resources: defaults applied and the checks the CRD schema cannot express, each problem
// naming its field. Never throws.
import { parseDuration, quote } from './duration.ts';
import type { Backup, BackupSchedule, BackupTarget, S3Storage, SecretKeyRef } from './backup-types.ts';

export interface Problems {
  problem(field: string, message: string): void;
}

/** spec.backup, resolved. */
export interface ResolvedBackupPolicy {
  storage: ResolvedS3Storage;
  target: BackupTarget;
  restoreOnDataLoss: boolean;
}

export interface ResolvedS3Storage {
  endpoint?: string;
  bucket: string;
  /** Ends with "/" unless empty. */
  prefix: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId: SecretKeyRef;
  secretAccessKey: SecretKeyRef;
  ca?: SecretKeyRef;
}

/** spec.bootstrap, resolved: exactly one of the two. */
export type ResolvedBootstrapSource = { backupName: string } | { objectKey: string };

export const BACKUP_TARGETS: readonly BackupTarget[] = ['prefer-secondary', 'primary'];
export const DEFAULT_PREFIX = 'backups/';
export const DEFAULT_REGION = 'us-east-1';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown): v is undefined | null => v === undefined || v === null;
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function secretKeyRef(p: Problems, field: string, v: unknown, required: boolean): SecretKeyRef | undefined {
  if (absent(v)) {
    if (required) p.problem(field, 'required: {name: <Secret in the cluster\'s namespace>, key: <key in it>}');
    return undefined;
  }
  if (!isObject(v)) {
    p.problem(field, `must be {name, key}, got ${quote(v)}`);
    return undefined;
  }
  let ok = true;
  if (!isNonEmptyString(v['name'])) {
    p.problem(`${field}.name`, 'required: the name of a Secret in the cluster\'s namespace');
    ok = false;
  }
  if (!isNonEmptyString(v['key'])) {
    p.problem(`${field}.key`, 'required: the key in the Secret');
    ok = false;
  }
  return ok ? { name: (v['name'] as string).trim(), key: (v['key'] as string).trim() } : undefined;
}

export function resolveS3Storage(p: Problems, field: string, v: unknown): ResolvedS3Storage | undefined {
  if (!isObject(v)) {
    p.problem(field, absent(v) ? 'required: {bucket, credentials, endpoint?, prefix?, region?, forcePathStyle?, ca?}' : `must be an object, got ${quote(v)}`);
    return undefined;
  }
  const s3 = v as Partial<S3Storage> & Json;
  let ok = true;
  const bucket = s3['bucket'];
  if (!isNonEmptyString(bucket)) {
    p.problem(`${field}.bucket`, 'required: the bucket backups are stored in');
    ok = false;
  }
  const endpoint = s3['endpoint'];
  if (!absent(endpoint)) {
    let url: URL | undefined;
    try {
      url = typeof endpoint === 'string' ? new URL(endpoint) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      p.problem(`${field}.endpoint`, `must be a URL such as https://s3.example.com:9000, got ${quote(endpoint)}`);
      ok = false;
    }
  }
  for (const key of ['prefix', 'region'] as const) {
    if (!absent(s3[key]) && typeof s3[key] !== 'string') {
      p.problem(`${field}.${key}`, `must be a string, got ${quote(s3[key])}`);
      ok = false;
    }
  }
  if (!absent(s3['forcePathStyle']) && typeof s3['forcePathStyle'] !== 'boolean') {
    p.problem(`${field}.forcePathStyle`, `must be true or false, got ${quote(s3['forcePathStyle'])}`);
    ok = false;
  }
  const credentials = s3['credentials'];
  let accessKeyId: SecretKeyRef | undefined;
  let secretAccessKey: SecretKeyRef | undefined;
  if (!isObject(credentials)) {
    p.problem(`${field}.credentials`, 'required: {accessKeyId: {name, key}, secretAccessKey: {name, key}} from a Secret');
    ok = false;
  } else {
    accessKeyId = secretKeyRef(p, `${field}.credentials.accessKeyId`, credentials['accessKeyId'], true);
    secretAccessKey = secretKeyRef(p, `${field}.credentials.secretAccessKey`, credentials['secretAccessKey'], true);
  }
  const ca = secretKeyRef(p, `${field}.ca`, s3['ca'], false);
  if (!ok || !accessKeyId || !secretAccessKey || (!absent(s3['ca']) && !ca)) return undefined;
  let prefix = typeof s3['prefix'] === 'string' ? s3['prefix'].trim().replace(/^\/+/, '') : DEFAULT_PREFIX;
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const out: ResolvedS3Storage = {
    bucket: (bucket as string).trim(),
    prefix,
    region: isNonEmptyString(s3['region']) ? s3['region'].trim() : DEFAULT_REGION,
    forcePathStyle: typeof s3['forcePathStyle'] === 'boolean' ? s3['forcePathStyle'] : !absent(endpoint),
    accessKeyId,
    secretAccessKey,
  };
  if (typeof endpoint === 'string') out.endpoint = endpoint.replace(/\/+$/, '');
  if (ca) out.ca = ca;
  return out;
}

function target(p: Problems, field: string, v: unknown, dflt: BackupTarget): BackupTarget | undefined {
  if (absent(v)) return dflt;
  if (typeof v === 'string' && (BACKUP_TARGETS as readonly string[]).includes(v)) return v as BackupTarget;
  p.problem(field, `must be one of ${BACKUP_TARGETS.join(', ')}, got ${quote(v)}`);
  return undefined;
}

/** spec.backup of an RSS; undefined when absent or invalid (problems recorded). */
export function resolveBackupPolicy(p: Problems, v: unknown): ResolvedBackupPolicy | undefined {
  if (absent(v)) return undefined;
  if (!isObject(v)) {
    p.problem('spec.backup', `must be an object {storage: {s3: …}, target?, restoreOnDataLoss?}, got ${quote(v)}`);
    return undefined;
  }
  const storage = v['storage'];
  const s3 = isObject(storage) ? resolveS3Storage(p, 'spec.backup.storage.s3', storage['s3']) : undefined;
  if (!isObject(storage)) p.problem('spec.backup.storage', absent(storage) ? 'required: {s3: {bucket, credentials, …}}' : `must be an object, got ${quote(storage)}`);
  const t = target(p, 'spec.backup.target', v['target'], 'prefer-secondary');
  const auto = v['restoreOnDataLoss'];
  if (!absent(auto) && typeof auto !== 'boolean') p.problem('spec.backup.restoreOnDataLoss', `must be true or false, got ${quote(auto)}`);
  if (!s3 || !t || (!absent(auto) && typeof auto !== 'boolean')) return undefined;
  return { storage: s3, target: t, restoreOnDataLoss: auto === true };
}

/** spec.bootstrap of an RSS; undefined when absent or invalid (problems recorded). */
export function resolveBootstrapSource(p: Problems, v: unknown): ResolvedBootstrapSource | undefined {
  if (absent(v)) return undefined;
  const backup = isObject(v) ? v['backup'] : undefined;
  if (!isObject(backup)) {
    p.problem('spec.bootstrap.backup', 'required: {name: <Backup>} or {objectKey: <key in spec.backup.storage>}');
    return undefined;
  }
  const name = backup['name'];
  const key = backup['objectKey'];
  if (!absent(name) && !absent(key)) {
    p.problem('spec.bootstrap.backup', 'give either name or objectKey, not both');
    return undefined;
  }
  if (isNonEmptyString(name)) return { backupName: name.trim() };
  if (isNonEmptyString(key)) return { objectKey: key.trim().replace(/^\/+/, '') };
  p.problem('spec.bootstrap.backup', `needs name (a Backup in this namespace) or objectKey, got ${quote(backup)}`);
  return undefined;
}

/** Backup.spec, resolved. */
export interface ResolvedBackupSpec {
  cluster: string;
  target?: BackupTarget;
  deletionPolicy: 'Retain' | 'Delete';
}

function deletionPolicy(p: Problems, field: string, v: unknown, dflt: 'Retain' | 'Delete'): 'Retain' | 'Delete' | undefined {
  if (absent(v)) return dflt;
  if (v === 'Retain' || v === 'Delete') return v;
  p.problem(field, `must be Retain or Delete, got ${quote(v)}`);
  return undefined;
}

export function resolveBackupSpec(p: Problems, backup: Backup): ResolvedBackupSpec | undefined {
  const spec = (backup as unknown as Json)['spec'];
  if (!isObject(spec)) {
    p.problem('spec', 'required: {cluster: <ReplicatedStatefulSet name>}');
    return undefined;
  }
  const cluster = spec['cluster'];
  if (!isNonEmptyString(cluster)) p.problem('spec.cluster', 'required: the ReplicatedStatefulSet to back up (same namespace)');
  const t = absent(spec['target']) ? undefined : target(p, 'spec.target', spec['target'], 'prefer-secondary');
  const policy = deletionPolicy(p, 'spec.deletionPolicy', spec['deletionPolicy'], 'Retain');
  if (!isNonEmptyString(cluster) || policy === undefined || (!absent(spec['target']) && t === undefined)) return undefined;
  const out: ResolvedBackupSpec = { cluster: cluster.trim(), deletionPolicy: policy };
  if (t !== undefined) out.target = t;
  return out;
}

/** BackupSchedule.spec, resolved. */
export interface ResolvedScheduleSpec {
  cluster: string;
  schedule: string;
  suspend: boolean;
  keep?: number;
  maxAgeMs?: number;
  target?: BackupTarget;
  deletionPolicy: 'Retain' | 'Delete';
}

export function resolveScheduleSpec(p: Problems, schedule: BackupSchedule, validCron: (expr: string) => string | undefined): ResolvedScheduleSpec | undefined {
  const spec = (schedule as unknown as Json)['spec'];
  if (!isObject(spec)) {
    p.problem('spec', 'required: {cluster, schedule}');
    return undefined;
  }
  let ok = true;
  const cluster = spec['cluster'];
  if (!isNonEmptyString(cluster)) {
    p.problem('spec.cluster', 'required: the ReplicatedStatefulSet to back up (same namespace)');
    ok = false;
  }
  const cron = spec['schedule'];
  if (!isNonEmptyString(cron)) {
    p.problem('spec.schedule', 'required: a cron expression such as "0 3 * * *" (UTC)');
    ok = false;
  } else {
    const why = validCron(cron.trim());
    if (why !== undefined) {
      p.problem('spec.schedule', `${quote(cron)} is not a cron expression: ${why}`);
      ok = false;
    }
  }
  const suspend = spec['suspend'];
  if (!absent(suspend) && typeof suspend !== 'boolean') {
    p.problem('spec.suspend', `must be true or false, got ${quote(suspend)}`);
    ok = false;
  }
  const keep = spec['keep'];
  if (!absent(keep) && !(typeof keep === 'number' && Number.isInteger(keep) && keep >= 1)) {
    p.problem('spec.keep', `must be a whole number of at least 1 (the last good backup is never deleted), got ${quote(keep)}`);
    ok = false;
  }
  let maxAgeMs: number | undefined;
  if (!absent(spec['maxAge'])) {
    try {
      maxAgeMs = parseDuration(spec['maxAge']);
    } catch (error) {
      p.problem('spec.maxAge', `must be a duration such as "168h" or "30m": ${(error as Error).message}`);
      ok = false;
    }
    if (maxAgeMs === 0) {
      p.problem('spec.maxAge', 'must be above 0');
      ok = false;
    }
  }
  const t = absent(spec['target']) ? undefined : target(p, 'spec.target', spec['target'], 'prefer-secondary');
  const policy = deletionPolicy(p, 'spec.deletionPolicy', spec['deletionPolicy'], 'Delete');
  if (!ok || policy === undefined || (!absent(spec['target']) && t === undefined)) return undefined;
  const out: ResolvedScheduleSpec = { cluster: (cluster as string).trim(), schedule: (cron as string).trim(), suspend: suspend === true, deletionPolicy: policy };
  if (typeof keep === 'number') out.keep = keep;
  if (maxAgeMs !== undefined) out.maxAgeMs = maxAgeMs;
  if (t !== undefined) out.target = t;
  return out;
}
