// spec.pod.commands: the commands run in the member pods, each an argv and a timeout (defaults per command).
import { quote } from './duration.ts';
import { COMMAND_NAMES, REQUIRED_COMMANDS, type CommandName, type OptionalCommandName, type RequiredCommandName } from './types.ts';
import { absent, duration, isNonEmptyString, isObject, type Collector } from './spec-values.ts';

export interface ResolvedCommand {
  argv: string[];
  timeoutMs: number;
}

/** Every command name is a key; the optional ones (seed, secondary) may be undefined. */
export type ResolvedCommands = { [K in RequiredCommandName]: ResolvedCommand } & {
  [K in OptionalCommandName]: ResolvedCommand | undefined;
};

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

export function resolveCommands(c: Collector, field: string, v: unknown): ResolvedCommands | undefined {
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
