// Running the application's commands in a member's container: which command and arguments a change
// means, the peers passed to it, and the metrics and log line of each run.
import type { Logger } from 'pino';
import { memberDns, ordinalOf } from '../api/names.ts';
import type { ResolvedSpec } from '../api/spec.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { roleFromStatus, succeeded } from '../engine/outcomes.ts';
import type { ChangeAction, CommandOutcome, MemberRecord } from '../engine/types.ts';
import type { OperatorMetrics } from '../manager/metrics.ts';
import type { CommandRunner } from './ports.ts';

/** A command could not be run at all (exec refused, pod gone, transport error): not the application's fault. */
export class ExecUnavailableError extends Error {
  constructor(member: string, command: string, reason: string) {
    super(`could not run ${command} in ${member}: ${reason}`);
    this.name = 'ExecUnavailableError';
  }
}

export type CommandName = keyof ResolvedSpec['commands'];

/** The command a change runs, with its arguments (peers appended) and timeout. */
export function commandFor(spec: ResolvedSpec, change: Extract<ChangeAction, { kind: 'seed' | 'join' | 'stop' }>, peers: string[]): { command: CommandName; argv: string[]; timeoutMs: number } {
  switch (change.kind) {
    case 'seed': {
      const c = spec.commands.seed ?? spec.commands.primary;
      return { command: spec.commands.seed ? 'seed' : 'primary', argv: [...c.argv, ...peers], timeoutMs: c.timeoutMs };
    }
    case 'join': {
      const secondary = change.as === 'secondary' && spec.commands.secondary ? spec.commands.secondary : undefined;
      const c = secondary ?? spec.commands.primary;
      return { command: secondary ? 'secondary' : 'primary', argv: [...c.argv, ...peers], timeoutMs: c.timeoutMs };
    }
    case 'stop':
      return { command: 'stop', argv: [...spec.commands.stop.argv, ...peers], timeoutMs: spec.commands.stop.timeoutMs };
  }
}

/** The DNS names of the running primaries other than `except`, lowest ordinal first: the peers a command is given. */
export function peersOf(cluster: string, records: Iterable<MemberRecord>, runningPods: Set<string>, except: string): string[] {
  return [...records]
    .filter((r) => r.role === 'primary' && r.name !== except && runningPods.has(r.name))
    .sort((a, b) => (ordinalOf(a.name, cluster) ?? 0) - (ordinalOf(b.name, cluster) ?? 0))
    .map((r) => memberDns(r.name, cluster));
}

export class MemberCommands {
  private readonly d: { commands: CommandRunner; metrics: OperatorMetrics; log: Logger };

  constructor(deps: { commands: CommandRunner; metrics: OperatorMetrics; log: Logger }) {
    this.d = deps;
  }

  /**
   * Runs a command and returns how it ended. When exec itself failed nothing is known about the
   * application, so nothing may be recorded or acted on: it throws ExecUnavailableError, the reconcile
   * fails and is retried with backoff.
   */
  async run(rss: ReplicatedStatefulSet, spec: ResolvedSpec, member: string, command: CommandName, argv: string[], timeoutMs: number): Promise<CommandOutcome> {
    const started = performance.now();
    const outcome = await this.d.commands.run({ namespace: rss.metadata.namespace!, pod: member, container: spec.pod.containers[0]!.name, argv, timeoutMs });
    if (outcome.error !== undefined && !outcome.timedOut) {
      this.d.metrics.commandFailures.inc({ command });
      throw new ExecUnavailableError(member, command, outcome.error);
    }
    const result = outcome.timedOut ? 'timeout' : String(outcome.exitCode);
    this.d.metrics.commandDuration.observe({ command, result }, (performance.now() - started) / 1000);
    // Exits 7 and 8 of `status` are answers, not failures.
    const answered = command === 'status' ? roleFromStatus(outcome.timedOut ? null : outcome.exitCode, false) !== 'failed' : succeeded(outcome);
    if (!answered) this.d.metrics.commandFailures.inc({ command });
    this.d.log.debug({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, member, command, argv, exitCode: outcome.exitCode, timedOut: outcome.timedOut }, 'command finished');
    return outcome;
  }
}
