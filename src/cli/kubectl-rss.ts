// `kubectl rss`: the kubectl plugin of rss-operator. `status` shows a ReplicatedStatefulSet at a glance
// (its backups included); `seed`, `fence`, `unfence`, `restart`, `pause`, `resume` and `restore` ask the
// operator for a manual operation by setting an annotation on the RSS (see actions.ts); `backup` creates a
// Backup resource and can follow it to the end, and `backups` lists a cluster's (see backups.ts).
// bin/kubectl-rss runs `run`.

import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Backup, BackupSchedule, BackupTarget } from '../api/backup-types.ts';
import { DurationError, parseDuration } from '../api/duration.ts';
import { BACKUP_PLURAL, BACKUP_SCHEDULE_PLURAL, GROUP, LABEL_APP, LABEL_MANAGED, PLURAL, VERSION, selectorString } from '../api/names.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { ACTIONS, CliError, MEMBER_ACTIONS, annotationPatch, planAction, planRestore, type Action, type ActionPlan } from './actions.ts';
import { backupNameProblem, buildBackupsView, defaultBackupName, newBackup, renderBackupsTable, waitForBackup } from './backups.ts';
import { buildStatusView, renderStatusText, type EventLike, type PodLike } from './status-view.ts';

export const USAGE = `kubectl rss: inspect and operate ReplicatedStatefulSets (rss-operator)

Usage:
  kubectl rss status <cluster> [-o json|yaml]  the cluster at a glance: phase, members, conditions,
                                               backups, events
  kubectl rss seed [<cluster>] <pod>           seed this member at the next bootstrap, even below the
                                               high-water mark (data newer than its own is lost)
  kubectl rss fence [<cluster>] <pod>          stop the member once, then leave it and its pod alone
  kubectl rss unfence [<cluster>] <pod>        give a fenced member back to the operator
  kubectl rss restart [<cluster>] <pod>        stop the member cleanly; it rejoins
  kubectl rss pause <cluster>                  take no action on the application
  kubectl rss resume <cluster>                 undo pause (spec.paused, if set, still applies)
  kubectl rss backup <cluster> [--name NAME] [--target T] [--wait [--timeout D]]
                                               take a backup now (creates a Backup); --wait
                                               follows it until it completes (exit 0) or fails
  kubectl rss backups <cluster> [-o json|yaml]
                                               the cluster's backups, newest first
  kubectl rss restore <cluster> [--backup NAME]
                                               restore a completed backup (default: the newest);
                                               only into a cluster with no primary running and
                                               every member empty

  <cluster> is the ReplicatedStatefulSet's name; without it, it is found from the pod's app label.
  seed, fence, unfence, restart, pause, resume and restore each set an annotation on the
  ReplicatedStatefulSet (rss.clusterlabs.org/...) that the operator acts on; backup creates a Backup
  resource (clusterlabs.org/v1alpha1) that the operator carries out.

Flags:
  -n, --namespace NS     namespace (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME     kubeconfig context
  -o, --output FORMAT    status and backups: json or yaml (fields documented in
                         src/cli/status-view.ts and src/cli/backups.ts)
      --name NAME        backup: the Backup's name (default: <cluster>-<UTC yyyymmddhhmmss>)
      --target T         backup: primary or prefer-secondary (default: spec.backup.target)
      --wait             backup: print each change until the backup ends
      --timeout D        backup --wait: give up waiting after D (default 1h); the backup goes on
      --backup NAME      restore: the Backup to restore, or "latest" (the default)
  -h, --help             this help
`;

export const COMMANDS = ['status', 'backup', 'backups', 'restore', ...ACTIONS] as const;
export type Command = (typeof COMMANDS)[number];

export interface Options {
  /** Absent with --help or no arguments. */
  command?: Command;
  /** Positional arguments after the command. */
  args: string[];
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  output: 'text' | 'json' | 'yaml';
  help: boolean;
  /** backup: --name, --target, --wait, --timeout (in ms); set only when given. */
  name?: string;
  target?: BackupTarget;
  wait?: true;
  timeoutMs?: number;
  /** restore: --backup; set only when given. */
  backup?: string;
}

type ValueFlag = 'namespace' | 'kubeconfig' | 'context' | 'output' | 'name' | 'target' | 'timeout' | 'backup';

const VALUE_FLAGS: Record<string, ValueFlag> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '--kubeconfig': 'kubeconfig',
  '--context': 'context',
  '-o': 'output',
  '--output': 'output',
  '--name': 'name',
  '--target': 'target',
  '--timeout': 'timeout',
  '--backup': 'backup',
};

/** The commands each command-specific flag applies to (the others apply to every command). */
const FLAG_COMMANDS: Partial<Record<ValueFlag | 'wait', readonly Command[]>> = {
  output: ['status', 'backups'],
  name: ['backup'],
  target: ['backup'],
  wait: ['backup'],
  timeout: ['backup'],
  backup: ['restore'],
};

const FLAG_SPELLING: Record<ValueFlag | 'wait', string> = {
  namespace: '-n',
  kubeconfig: '--kubeconfig',
  context: '--context',
  output: '-o',
  name: '--name',
  target: '--target',
  timeout: '--timeout',
  backup: '--backup',
  wait: '--wait',
};

/** What follows `<cluster>` in a command's usage line, in error messages. */
const USAGE_FLAGS: Partial<Record<Command, string>> = {
  backup: ' [--name NAME] [--target primary|prefer-secondary] [--wait [--timeout D]]',
  restore: ' [--backup NAME]',
};

const TARGETS: readonly BackupTarget[] = ['primary', 'prefer-secondary'];
/** How long `backup --wait` waits by default: longer than most backups, shorter than a forgotten terminal. */
export const DEFAULT_WAIT_MS = 3_600_000;

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/** Parses the arguments kubectl passes to the plugin (everything after `kubectl rss`). Throws CliError. */
export function parseArgs(argv: readonly string[]): Options {
  const options: Options = { args: [], output: 'text', help: false };
  const positional: string[] = [];
  const values: Partial<Record<ValueFlag, string>> = {};
  let wait = false;
  let flagsDone = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (flagsDone || arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      flagsDone = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    if (arg === '--wait') {
      wait = true;
      continue;
    }
    if (arg.startsWith('--wait=')) throw new CliError(`flag --wait takes no value: ${arg}`);
    // --flag=value, -n=value, -nvalue, or --flag value
    let flag = arg;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      flag = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    } else if (!arg.startsWith('--') && arg.length > 2) {
      flag = arg.slice(0, 2);
      value = arg.slice(2).replace(/^=/, '');
    }
    const key = VALUE_FLAGS[flag];
    if (key === undefined) throw new CliError(`unknown flag: ${arg}\nSee 'kubectl rss --help'.`);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw new CliError(`flag needs an argument: ${flag}`);
      value = next;
      i++;
    }
    if (value === '') throw new CliError(`flag ${flag} needs a non-empty value`);
    values[key] = value;
  }
  if (values.namespace !== undefined) options.namespace = values.namespace;
  if (values.kubeconfig !== undefined) options.kubeconfig = values.kubeconfig;
  if (values.context !== undefined) options.context = values.context;
  if (values.output !== undefined) {
    if (values.output !== 'json' && values.output !== 'yaml') throw new CliError(`unsupported output format "${values.output}": use -o json or -o yaml`);
    options.output = values.output;
  }
  if (options.help || positional.length === 0) {
    options.help = true;
    return options;
  }

  const [word, ...args] = positional as [string, ...string[]];
  if (word === 'help') {
    options.help = true;
    return options;
  }
  if (!isCommand(word)) throw new CliError(`unknown command "${word}"\nSee 'kubectl rss --help'.`);
  options.command = word;
  options.args = args;
  const given: (ValueFlag | 'wait')[] = [...(Object.keys(values) as ValueFlag[]), ...(wait ? ['wait' as const] : [])];
  for (const flag of given) {
    const applies = FLAG_COMMANDS[flag];
    if (applies !== undefined && !applies.includes(word)) {
      const to = applies.length === 1 ? `${applies[0]} only` : applies.join(' and ');
      throw new CliError(`${FLAG_SPELLING[flag]} applies to ${to}, not to ${word}`);
    }
  }
  if (values.name !== undefined) {
    const problem = backupNameProblem(values.name);
    if (problem !== undefined) throw new CliError(`invalid --name "${values.name}": a Backup name ${problem}`);
    options.name = values.name;
  }
  if (values.target !== undefined) {
    const target = TARGETS.find((t) => t === values.target);
    if (target === undefined) throw new CliError(`unsupported --target "${values.target}": use primary or prefer-secondary`);
    options.target = target;
  }
  if (values.timeout !== undefined) {
    if (!wait) throw new CliError('--timeout applies with --wait only: without it, backup does not wait');
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(values.timeout);
    } catch (error) {
      throw new CliError(`--timeout: ${error instanceof DurationError ? error.message : String(error)}`);
    }
    if (timeoutMs <= 0) throw new CliError('--timeout must be longer than 0s');
    options.timeoutMs = timeoutMs;
  }
  if (wait) options.wait = true;
  if (values.backup !== undefined) options.backup = values.backup;

  const member = (MEMBER_ACTIONS as readonly string[]).includes(word);
  const usage = member ? `kubectl rss ${word} [<cluster>] <pod>` : `kubectl rss ${word} <cluster>${USAGE_FLAGS[word] ?? ''}`;
  if (args.length === 0) throw new CliError(`${word} needs ${member ? 'a member pod' : 'the cluster name'}: ${usage}`);
  if (args.length > (member ? 2 : 1)) throw new CliError(`too many arguments for ${word}: ${usage}`);
  for (const a of args) if (a.trim() === '') throw new CliError(`empty argument: ${usage}`);
  return options;
}

// ---------------------------------------------------------------------------------------------------
// Talking to the API server

export interface Io {
  out(text: string): void;
  err(text: string): void;
  now(): Date;
  /** Waits (between reads of a Backup, with --wait); default a timer. */
  sleep?(ms: number): Promise<void>;
}

const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
};

interface Clients {
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  namespace: string;
}

function connect(options: Options): Clients {
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
function apiError(error: unknown): { code: number; message: string; reason?: string; detailsName?: string } | undefined {
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
function describe(error: unknown, clients: Clients): string {
  const api = apiError(error);
  if (api) return api.message;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (error instanceof TypeError && cause) {
    const server = clients.kubeConfig.getCurrentCluster()?.server ?? 'the API server';
    return `cannot reach the Kubernetes API server at ${server}: ${typeof cause.code === 'string' ? cause.code : String(cause.message ?? cause)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function getCluster(clients: Clients, name: string): Promise<ReplicatedStatefulSet> {
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
async function readPodLabels(clients: Clients, pod: string, required: boolean): Promise<Record<string, string> | undefined> {
  try {
    const found = await clients.core.readNamespacedPod({ namespace: clients.namespace, name: pod });
    return found.metadata?.labels ?? {};
  } catch (error) {
    if (apiError(error)?.code === 404 || !required) return undefined;
    throw new CliError(`cannot read pod "${pod}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
}

/** The API server does not serve Backups or BackupSchedules: the operator's backup CRD is not installed. */
class MissingBackupCrd extends CliError {
  constructor(plural: string, kind: string, serverMessage: string) {
    super(`the API server does not know ${kind}s (${plural}.${GROUP}/${VERSION}): is the backup CRD (deploy/crd-backup.yaml) installed? (${serverMessage})`);
  }
}

/** The value, or undefined when it cannot be read (saying why when `loud`). */
async function optional<T>(read: Promise<T>, loud: boolean, io: Io): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (loud) io.err(`warning: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

/** Every Backup of the namespace (any cluster's: the fallback to spec.cluster needs them all). Throws CliError. */
async function listBackups(clients: Clients): Promise<Backup[]> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: clients.namespace, plural: BACKUP_PLURAL })) as { items?: Backup[] };
    return list.items ?? [];
  } catch (error) {
    const api = apiError(error);
    if (api?.code === 404) throw new MissingBackupCrd(BACKUP_PLURAL, 'Backup', api.message);
    throw new CliError(`cannot list Backups in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
}

async function listSchedules(clients: Clients): Promise<BackupSchedule[]> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: clients.namespace, plural: BACKUP_SCHEDULE_PLURAL })) as { items?: BackupSchedule[] };
    return list.items ?? [];
  } catch (error) {
    const api = apiError(error);
    if (api?.code === 404) throw new MissingBackupCrd(BACKUP_SCHEDULE_PLURAL, 'BackupSchedule', api.message);
    throw new CliError(`cannot list BackupSchedules in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
}

function print(view: object, output: Options['output'], io: Io): void {
  if (output === 'json') io.out(`${JSON.stringify(view, null, 2)}\n`);
  else io.out(stringify(view));
}

async function status(clients: Clients, options: Options, io: Io): Promise<number> {
  const name = options.args[0]!;
  const rss = await getCluster(clients, name);
  let pods: PodLike[] = [];
  try {
    pods = (await clients.core.listNamespacedPod({ namespace: clients.namespace, labelSelector: selectorString(name) })).items;
  } catch (error) {
    io.err(`warning: cannot list the pods of ${name}: ${describe(error, clients)}\n`);
  }
  let events: EventLike[] = [];
  try {
    const list = await clients.core.listNamespacedEvent({ namespace: clients.namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=${rss.kind}` });
    // Events of an earlier RSS of the same name are not about this one.
    events = list.items.filter((e) => !e.involvedObject.uid || !rss.metadata.uid || e.involvedObject.uid === rss.metadata.uid);
  } catch {
    // Events are a bonus: without the right to list them, the status is still complete.
  }
  // Backups too. Not being able to list them (no backup CRD, no right to) is only worth a warning for a
  // cluster that uses backups: for the others, the status is complete without them.
  const usesBackups = rss.spec?.backup !== undefined || rss.spec?.bootstrap !== undefined || Boolean(rss.status?.restore);
  const [backups, schedules] = await Promise.all([optional(listBackups(clients), usesBackups, io), optional(listSchedules(clients), usesBackups, io)]);
  const view = buildStatusView({ rss, pods, events, ...(backups !== undefined ? { backups } : {}), ...(schedules !== undefined ? { schedules } : {}) });
  if (options.output === 'text') io.out(renderStatusText(view, io.now()));
  else print(view, options.output, io);
  return 0;
}

async function backups(clients: Clients, options: Options, io: Io): Promise<number> {
  const cluster = options.args[0]!;
  // The cluster need not exist: the backups of a deleted cluster are what a new one is restored from.
  const view = buildBackupsView(await listBackups(clients), cluster, clients.namespace);
  if (options.output !== 'text') {
    print(view, options.output, io);
    return 0;
  }
  const text = renderBackupsTable(view, io.now());
  if (text.empty !== undefined) io.err(text.empty);
  io.out(text.out);
  return 0;
}

async function backup(clients: Clients, options: Options, io: Io): Promise<number> {
  const cluster = options.args[0]!;
  const rss = await getCluster(clients, cluster);
  // The operator would only mark such a Backup Failed: say so now, before anything is created.
  if (rss.spec?.pod?.commands?.backup === undefined) {
    throw new CliError(`ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}" has no backup command (spec.pod.commands.backup): the operator cannot back it up`);
  }
  if (rss.spec?.backup?.storage === undefined) {
    throw new CliError(`ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}" has no spec.backup.storage: the operator does not know where to put its backups`);
  }
  const name = options.name ?? defaultBackupName(cluster, io.now());
  try {
    await clients.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: clients.namespace, plural: BACKUP_PLURAL, body: newBackup(clients.namespace, cluster, name, options.target) });
  } catch (error) {
    const api = apiError(error);
    if (api?.code === 409) throw new CliError(`Backup "${name}" already exists in namespace "${clients.namespace}"; choose another name with --name`);
    // The namespace exists (the cluster was just read in it): a 404 means the resource type is unknown.
    if (api?.code === 404) throw new MissingBackupCrd(BACKUP_PLURAL, 'Backup', api.message);
    throw new CliError(`cannot create Backup "${name}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
  const ns = clients.namespace;
  if (!options.wait) {
    io.out(`backup ${name} created; follow it with: kubectl rss backups ${cluster} -n ${ns}\n`);
    return 0;
  }
  io.out(`backup ${name} created\n`);
  return await waitForBackup(name, cluster, ns, {
    read: async () => {
      try {
        return (await clients.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: BACKUP_PLURAL, name })) as Backup;
      } catch (error) {
        if (apiError(error)?.code === 404) return undefined;
        throw new Error(describe(error, clients));
      }
    },
    now: () => io.now(),
    sleep: (ms) => (io.sleep ? io.sleep(ms) : sleep(ms)),
    out: (line) => io.out(`${line}\n`),
    err: (line) => io.err(`${line}\n`),
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
  });
}

/**
 * Read the RSS, plan, patch the annotations with the resourceVersion read; on a conflict (someone else
 * edited the RSS meanwhile), all again. Prints the plan's messages once the patch is made.
 */
async function applyPlan(clients: Clients, cluster: string, plan: (rss: ReplicatedStatefulSet) => ActionPlan, io: Io): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const rss = await getCluster(clients, cluster);
    const planned = plan(rss);
    if (Object.keys(planned.annotations).length > 0) {
      try {
        await clients.custom.patchNamespacedCustomObject(
          { group: GROUP, version: VERSION, namespace: clients.namespace, plural: PLURAL, name: cluster, body: annotationPatch(planned, rss.metadata.resourceVersion) },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (error) {
        if (apiError(error)?.code === 409 && attempt < 5) continue;
        throw new CliError(`cannot update ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
      }
    }
    const text = planned.messages.join('\n') + '\n';
    if (planned.exitCode === 0) io.out(text);
    else io.err(`error: ${text}`);
    return planned.exitCode;
  }
}

async function restore(clients: Clients, options: Options, io: Io): Promise<number> {
  const cluster = options.args[0]!;
  // The cluster first: "not found" is the clearer message when both it and the Backup CRD are missing.
  await getCluster(clients, cluster);
  const all = await listBackups(clients);
  return await applyPlan(clients, cluster, (rss) => planRestore({ rss, backups: all, ...(options.backup !== undefined ? { backup: options.backup } : {}) }), io);
}

async function act(clients: Clients, action: Action, options: Options, io: Io): Promise<number> {
  let cluster: string;
  let pod: string | undefined;
  let podLabels: Record<string, string> | undefined;
  if ((MEMBER_ACTIONS as readonly string[]).includes(action)) {
    if (options.args.length === 2) {
      [cluster, pod] = options.args as [string, string];
      podLabels = await readPodLabels(clients, pod, false);
    } else {
      pod = options.args[0]!;
      podLabels = await readPodLabels(clients, pod, true);
      if (podLabels === undefined) {
        throw new CliError(`pod "${pod}" not found in namespace "${clients.namespace}"; name its cluster too: kubectl rss ${action} <cluster> ${pod}`);
      }
      const app = podLabels[LABEL_APP];
      if (!app || podLabels[LABEL_MANAGED] !== 'true') {
        throw new CliError(`pod "${pod}" in namespace "${clients.namespace}" is not a member of a ReplicatedStatefulSet (it has no ${LABEL_MANAGED}=true and ${LABEL_APP} labels)`);
      }
      cluster = app;
    }
  } else {
    cluster = options.args[0]!;
  }

  return await applyPlan(clients, cluster, (rss) => planAction(action, { rss, ...(pod !== undefined ? { pod } : {}), podExists: podLabels !== undefined }), io);
}

/** Runs `kubectl rss <argv…>`; returns the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let clients: Clients | undefined;
  try {
    const options = parseArgs(argv);
    if (options.help || options.command === undefined) {
      io.out(USAGE);
      return 0;
    }
    clients = connect(options);
    switch (options.command) {
      case 'status':
        return await status(clients, options, io);
      case 'backup':
        return await backup(clients, options, io);
      case 'backups':
        return await backups(clients, options, io);
      case 'restore':
        return await restore(clients, options, io);
      default:
        return await act(clients, options.command, options, io);
    }
  } catch (error) {
    const message = error instanceof CliError ? error.message : clients ? describe(error, clients) : String(error);
    io.err(`error: ${message}\n`);
    return 1;
  }
}
