// `kubectl rss`: the kubectl plugin of rss-operator. `status` shows a ReplicatedStatefulSet at a glance
// (its backups included); `seed`, `fence`, `unfence`, `restart`, `pause`, `resume` and `restore` ask the
// operator for a manual operation by setting an annotation on the RSS (see actions.ts); `backup` creates a
// Backup resource and can follow it to the end, and `backups` lists a cluster's (see backups.ts).
// This module parses the arguments and runs the command, implemented in commands/.
// bin/kubectl-rss runs `run`.

import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupTarget } from '../api/backup-types.ts';
import { DurationError, parseDuration } from '../api/duration.ts';
import { ACTIONS, CliError, MEMBER_ACTIONS } from './actions.ts';
import { backupNameProblem } from './backups.ts';
import { act, restore } from './commands/actions.ts';
import { connect, describe, type Clients } from './commands/api.ts';
import { backup, backups } from './commands/backups.ts';
import { status } from './commands/status.ts';

export const USAGE = `kubectl rss: inspect and operate ReplicatedStatefulSets (rss-operator)

Usage:
  kubectl rss status <cluster> [-o json|yaml]  the cluster at a glance: phase, members, conditions,
                                               backups, events
  kubectl rss seed [<cluster>] <pod>           seed this member at the next bootstrap, even below the
                                               high-water mark (data newer than its own is lost)
  kubectl rss fence [<cluster>] <pod>          stop the member once, then leave it and its pod alone
  kubectl rss unfence [<cluster>] <pod>        give a fenced member back to the operator
  kubectl rss restart [<cluster>] <pod>        stop the member cleanly; it rejoins
  kubectl rss switchover [<cluster>] <pod>     move the primary role to this secondary (stop the
                                               primary cleanly, promote it once it has caught up)
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
  seed, fence, unfence, restart, switchover, pause, resume and restore each set an annotation on the
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
