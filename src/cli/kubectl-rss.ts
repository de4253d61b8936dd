// `kubectl rss`: the kubectl plugin of rss-operator. `status` shows a ReplicatedStatefulSet at a glance;
// `seed`, `fence`, `unfence`, `restart`, `pause` and `resume` ask the operator for a manual operation by
// setting an annotation on the RSS (see actions.ts). bin/kubectl-rss runs `run`.

import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { GROUP, LABEL_APP, LABEL_MANAGED, PLURAL, VERSION, selectorString } from '../api/names.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { ACTIONS, CliError, MEMBER_ACTIONS, annotationPatch, planAction, type Action } from './actions.ts';
import { buildStatusView, renderStatusText, type EventLike, type PodLike } from './status-view.ts';

export const USAGE = `kubectl rss: inspect and operate ReplicatedStatefulSets (rss-operator)

Usage:
  kubectl rss status <cluster> [-o json|yaml]  the cluster at a glance: phase, members, conditions, events
  kubectl rss seed [<cluster>] <pod>           seed this member at the next bootstrap, even below the
                                               high-water mark (data newer than its own is lost)
  kubectl rss fence [<cluster>] <pod>          stop the member once, then leave it and its pod alone
  kubectl rss unfence [<cluster>] <pod>        give a fenced member back to the operator
  kubectl rss restart [<cluster>] <pod>        stop the member cleanly; it rejoins
  kubectl rss pause <cluster>                  take no action on the application
  kubectl rss resume <cluster>                 undo pause (spec.paused, if set, still applies)

  <cluster> is the ReplicatedStatefulSet's name; without it, it is found from the pod's app label.
  Each operation is an annotation on the ReplicatedStatefulSet (rss.clusterlabs.org/...) that the
  operator acts on.

Flags:
  -n, --namespace NS     namespace (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME     kubeconfig context
  -o, --output FORMAT    status only: json or yaml (fields documented in src/cli/status-view.ts)
  -h, --help             this help
`;

export const COMMANDS = ['status', ...ACTIONS] as const;
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
}

const VALUE_FLAGS: Record<string, 'namespace' | 'kubeconfig' | 'context' | 'output'> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '--kubeconfig': 'kubeconfig',
  '--context': 'context',
  '-o': 'output',
  '--output': 'output',
};

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/** Parses the arguments kubectl passes to the plugin (everything after `kubectl rss`). Throws CliError. */
export function parseArgs(argv: readonly string[]): Options {
  const options: Options = { args: [], output: 'text', help: false };
  const positional: string[] = [];
  const values: Partial<Record<'namespace' | 'kubeconfig' | 'context' | 'output', string>> = {};
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
  if (options.output !== 'text' && word !== 'status') throw new CliError(`-o applies to status only, not to ${word}`);

  const member = (MEMBER_ACTIONS as readonly string[]).includes(word);
  const usage = member ? `kubectl rss ${word} [<cluster>] <pod>` : `kubectl rss ${word} <cluster>`;
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
}

const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  now: () => new Date(),
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
  const view = buildStatusView({ rss, pods, events });
  if (options.output === 'json') io.out(`${JSON.stringify(view, null, 2)}\n`);
  else if (options.output === 'yaml') io.out(stringify(view));
  else io.out(renderStatusText(view, io.now()));
  return 0;
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

  // Read, decide, patch with the resourceVersion read; on a conflict (someone else edited the RSS), again.
  for (let attempt = 1; ; attempt++) {
    const rss = await getCluster(clients, cluster);
    const plan = planAction(action, { rss, ...(pod !== undefined ? { pod } : {}), podExists: podLabels !== undefined });
    if (Object.keys(plan.annotations).length > 0) {
      try {
        await clients.custom.patchNamespacedCustomObject(
          { group: GROUP, version: VERSION, namespace: clients.namespace, plural: PLURAL, name: cluster, body: annotationPatch(plan, rss.metadata.resourceVersion) },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (error) {
        if (apiError(error)?.code === 409 && attempt < 5) continue;
        throw new CliError(`cannot update ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
      }
    }
    const text = plan.messages.join('\n') + '\n';
    if (plan.exitCode === 0) io.out(text);
    else io.err(`error: ${text}`);
    return plan.exitCode;
  }
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
    if (options.command === 'status') return await status(clients, options, io);
    return await act(clients, options.command, options, io);
  } catch (error) {
    const message = error instanceof CliError ? error.message : clients ? describe(error, clients) : String(error);
    io.err(`error: ${message}\n`);
    return 1;
  }
}
