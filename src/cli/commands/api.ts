// What the commands of `kubectl rss` share: the connection to the API server, reading a cluster, its pods,
// Backups and BackupSchedules, messages for API errors, and printing a view with -o json|yaml.

import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Backup, BackupSchedule } from '../../api/backup-types.ts';
import { BACKUP_PLURAL, BACKUP_SCHEDULE_PLURAL, GROUP, PLURAL, VERSION } from '../../api/names.ts';
import type { ReplicatedStatefulSet } from '../../api/types.ts';
import { CliError } from '../actions.ts';
import type { Io, Options } from '../kubectl-rss.ts';

// ---------------------------------------------------------------------------------------------------
// Talking to the API server

export interface Clients {
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  namespace: string;
}

export function connect(options: Options): Clients {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new CliError(`cannot load the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${(error as Error).message}`);
  }
  if (options.context !== undefined) {
    if (!kubeConfig.getContextObject(options.context)) throw new CliError(`context "${options.context}" does not exist in the kubeconfig`);
    kubeConfig.setCurrentContext(options.context);
  }
  const namespace = options.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
  return { kubeConfig, custom: kubeConfig.makeApiClient(CustomObjectsApi), core: kubeConfig.makeApiClient(CoreV1Api), namespace };
}

/** An API error's HTTP code and the server's message, when it is one. */
export function apiError(error: unknown): { code: number; message: string; reason?: string; detailsName?: string } | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error) || typeof error.code !== 'number') return undefined;
  const body = 'body' in error ? error.body : undefined;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      status = { message: body.trim() };
    }
  }
  const s = (typeof status === 'object' && status !== null ? status : {}) as { message?: unknown; reason?: unknown; details?: { name?: unknown } };
  return {
    code: error.code,
    message: typeof s.message === 'string' && s.message !== '' ? s.message : `HTTP ${error.code}`,
    ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
    ...(typeof s.details?.name === 'string' ? { detailsName: s.details.name } : {}),
  };
}

/** A message for an error thrown by the API client. */
export function describe(error: unknown, clients: Clients): string {
  const api = apiError(error);
  if (api) return api.message;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (error instanceof TypeError && cause) {
    const server = clients.kubeConfig.getCurrentCluster()?.server ?? 'the API server';
    return `cannot reach the Kubernetes API server at ${server}: ${typeof cause.code === 'string' ? cause.code : String(cause.message ?? cause)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function getCluster(clients: Clients, name: string): Promise<ReplicatedStatefulSet> {
  try {
    return (await clients.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: clients.namespace, plural: PLURAL, name })) as ReplicatedStatefulSet;
  } catch (error) {
    const api = apiError(error);
    if (api?.code === 404) {
      if (api.reason === 'NotFound' && api.detailsName === name) {
        throw new CliError(`ReplicatedStatefulSet "${name}" not found in namespace "${clients.namespace}"`);
      }
      throw new CliError(`the API server does not know ReplicatedStatefulSets (${PLURAL}.${GROUP}/${VERSION}): is the rss-operator CRD installed? (${api.message})`);
    }
    throw new CliError(`cannot read ReplicatedStatefulSet "${name}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
}

/**
 * The pod's labels, or undefined when it does not exist. `required`: the pod must be read (to find its
 * cluster); otherwise an error reading it (no right to read pods) counts as "does not exist".
 */
export async function readPodLabels(clients: Clients, pod: string, required: boolean): Promise<Record<string, string> | undefined> {
  try {
    const found = await clients.core.readNamespacedPod({ namespace: clients.namespace, name: pod });
    return found.metadata?.labels ?? {};
  } catch (error) {
    if (apiError(error)?.code === 404 || !required) return undefined;
    throw new CliError(`cannot read pod "${pod}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
}

/** The API server does not serve Backups or BackupSchedules: the operator's backup CRD is not installed. */
export class MissingBackupCrd extends CliError {
  constructor(plural: string, kind: string, serverMessage: string) {
    super(`the API server does not know ${kind}s (${plural}.${GROUP}/${VERSION}): is the backup CRD (deploy/crd-backup.yaml) installed? (${serverMessage})`);
  }
}

/** The value, or undefined when it cannot be read (saying why when `loud`). */
export async function optional<T>(read: Promise<T>, loud: boolean, io: Io): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (loud) io.err(`warning: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

/** Every object of one of the backup kinds in the namespace; a missing CRD is MissingBackupCrd. Throws CliError. */
async function listBackupKind<T>(clients: Clients, plural: string, kind: string): Promise<T[]> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: clients.namespace, plural })) as { items?: T[] };
    return list.items ?? [];
  } catch (error) {
    const api = apiError(error);
    if (api?.code === 404) throw new MissingBackupCrd(plural, kind, api.message);
    throw new CliError(`cannot list ${kind}s in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
}

/** Every Backup of the namespace (any cluster's: the fallback to spec.cluster needs them all). Throws CliError. */
export async function listBackups(clients: Clients): Promise<Backup[]> {
  return await listBackupKind<Backup>(clients, BACKUP_PLURAL, 'Backup');
}

export async function listSchedules(clients: Clients): Promise<BackupSchedule[]> {
  return await listBackupKind<BackupSchedule>(clients, BACKUP_SCHEDULE_PLURAL, 'BackupSchedule');
}

export function print(view: object, output: Options['output'], io: Io): void {
  if (output === 'json') io.out(`${JSON.stringify(view, null, 2)}\n`);
  else io.out(stringify(view));
}
