// A model of a replicated application that answers the six commands as a real one would (Galera for
// multi-primary, a streaming-replication database for `primaries: 1`): each member has a volume holding
// a log of committed writes, of which a tail may not be flushed yet; running members form a group that
// shares one history (synchronous replication: a write is acknowledged once every running member has it
// and the member that took it and one other have flushed it). `sequence` reports what a member holds
// durably: a running member's unflushed tail would not survive a crash. A member that joins a group takes
// the group's history as its own (a state transfer), whatever it held before.
import type { CommandOutcome } from '../src/engine/types.ts';

export interface Volume {
  /** Write ids, oldest first. The sequence is the log's length. */
  log: number[];
  /** How much of the log survives a crash. */
  flushed: number;
}

/** A fault set on a member's commands: the next runs of the command misbehave this way. */
export type CommandFault = 'hang' | 'garbage' | 'oddExit' | 'hangAfterEffect';

export interface AppMember {
  name: string;
  volume: Volume;
  /** Running in a group, and as what; absent when the application is not running. */
  process?: { role: 'primary' | 'secondary'; group: number };
  /** The application crashed in a way its `status` reports as a failure (not a clean "not running"). */
  broken: boolean;
  /** Misbehaviour of the next runs, by command. */
  faults: Map<string, { fault: CommandFault; runs: number }>;
}

export interface CommandRun {
  member: string;
  command: string;
  outcome: CommandOutcome;
  /** How long the command took (a hang lasts its timeout). */
  tookMs: number;
}

const ok = (stdout = ''): CommandOutcome => ({ exitCode: 0, timedOut: false, stdout, stderr: '' });
const exit = (code: number, stderr: string): CommandOutcome => ({ exitCode: code, timedOut: false, stdout: '', stderr });
const timedOut = (): CommandOutcome => ({ exitCode: null, timedOut: true, stdout: '', stderr: '' });

export class Application {
  readonly members = new Map<string, AppMember>();
  private nextGroup = 1;
  private nextWrite = 1;
  /** Writes acknowledged to clients. */
  readonly acknowledged: number[] = [];
  /** Every sequence `sequence` printed, for the data-safety check. */
  highestReported = 0;

  member(name: string): AppMember {
    let m = this.members.get(name);
    if (!m) {
      m = { name, volume: { log: [], flushed: 0 }, broken: false, faults: new Map() };
      this.members.set(name, m);
    }
    return m;
  }

  /** Running members of each group. */
  groups(): Map<number, AppMember[]> {
    const groups = new Map<number, AppMember[]>();
    for (const m of this.members.values()) {
      if (!m.process) continue;
      const list = groups.get(m.process.group) ?? [];
      list.push(m);
      groups.set(m.process.group, list);
    }
    return groups;
  }

  /** A client write, taken by a running primary and replicated to its group; false when none runs. */
  write(pick: number): boolean {
    const groups = [...this.groups().values()].filter((g) => g.some((m) => m.process?.role === 'primary'));
    if (groups.length === 0) return false;
    const group = groups[pick % groups.length]!;
    const primaries = group.filter((m) => m.process?.role === 'primary');
    const taker = primaries[pick % primaries.length]!;
    const id = this.nextWrite++;
    for (const m of group) m.volume.log.push(id);
    // Acknowledged once the member that took it and one other running member of its group (if any) have
    // flushed it, as with one synchronous standby (PostgreSQL's `ANY 1`); the others hold it in memory.
    taker.volume.flushed = taker.volume.log.length;
    const others = group.filter((m) => m !== taker);
    const witness = others[pick % Math.max(1, others.length)];
    if (witness) witness.volume.flushed = witness.volume.log.length;
    this.acknowledged.push(id);
    return true;
  }

  flush(name: string): void {
    const m = this.members.get(name);
    if (m) m.volume.flushed = m.volume.log.length;
  }

  /** The process dies without flushing (a crash or a pod killed): the unflushed tail is lost. */
  crash(name: string, broken: boolean): void {
    const m = this.members.get(name);
    if (!m) return;
    if (m.process) m.volume.log.length = Math.min(m.volume.log.length, m.volume.flushed);
    delete m.process;
    m.broken = broken;
  }

  /** The volume is gone: a fresh, empty one is found in its place. */
  loseVolume(name: string): void {
    const m = this.member(name);
    delete m.process;
    m.broken = false;
    m.volume = { log: [], flushed: 0 };
  }

  setFault(name: string, command: string, fault: CommandFault, runs: number): void {
    this.member(name).faults.set(command, { fault, runs });
  }

  clearFaults(): void {
    for (const m of this.members.values()) {
      m.faults.clear();
      m.broken = false;
    }
  }

  private takeFault(m: AppMember, command: string): CommandFault | undefined {
    const f = m.faults.get(command);
    if (!f) return undefined;
    if (--f.runs <= 0) m.faults.delete(command);
    return f.fault;
  }

  /** Runs a command in a member whose container runs. `peers` are the member names passed as arguments. */
  run(name: string, command: string, peers: string[], timeoutMs: number): CommandRun {
    const m = this.member(name);
    const fault = this.takeFault(m, command);
    if (fault === 'hang') return { member: name, command, outcome: timedOut(), tookMs: timeoutMs };
    if (fault === 'oddExit') return { member: name, command, outcome: exit(command === 'status' ? 137 : 3, 'killed'), tookMs: 5 };
    const outcome = this.answer(m, command, peers, fault === 'garbage');
    // The command did its work, but its output stayed open until the timeout.
    if (fault === 'hangAfterEffect') return { member: name, command, outcome: timedOut(), tookMs: timeoutMs };
    return { member: name, command, outcome, tookMs: 5 };
  }

  private answer(m: AppMember, command: string, peers: string[], garbage: boolean): CommandOutcome {
    switch (command) {
      case 'sequence': {
        if (garbage) return ok('Warning: something odd\n');
        // What the member holds durably: a running member's unflushed tail would not survive a crash (a
        // standby reports what it has flushed, as PostgreSQL's receive position does).
        const sequence = m.process ? m.volume.flushed : m.volume.log.length;
        this.highestReported = Math.max(this.highestReported, sequence);
        return ok(`${sequence}\n`);
      }
      case 'status': {
        // Garbage on stdout does not change the answer: `status` answers with its exit code.
        const answer = m.process?.role === 'primary' ? exit(8, '') : m.process?.role === 'secondary' ? ok() : m.broken ? exit(1, 'crashed') : exit(7, '');
        return garbage ? { ...answer, stdout: '{{{ \u0000 not json' } : answer;
      }
      case 'seed': {
        if (m.process?.role === 'primary') return exit(1, 'already running');
        // A running secondary is promoted in place: it leaves the group of the primary it followed (whose
        // other secondaries take no writes until they are re-pointed) and starts a history of its own.
        m.process = { role: 'primary', group: this.nextGroup++ };
        m.broken = false;
        return ok();
      }
      case 'primary':
      case 'secondary': {
        // A running secondary may be re-pointed at another primary (`secondary` again); nothing else that
        // runs may join.
        if (m.process && !(command === 'secondary' && m.process.role === 'secondary')) return exit(1, 'already running');
        const donor = peers.map((p) => this.members.get(p)).find((p) => p?.process?.role === 'primary');
        if (!donor?.process) return exit(1, peers.length === 0 ? 'no peers to join' : 'no running peer');
        // State transfer: the joiner's history becomes the group's.
        m.volume = { log: [...donor.volume.log], flushed: donor.volume.log.length };
        m.process = { role: command, group: donor.process.group };
        m.broken = false;
        return ok();
      }
      case 'stop':
        if (m.process) m.volume.flushed = m.volume.log.length;
        delete m.process;
        m.broken = false;
        return ok();
      default:
        return exit(127, `${command}: command not found`);
    }
  }
}
