// Rule 7 with no running primary: choose a seed (or restore a backup), or say why not.
import { FENCED_ANNOTATION, RESTORE_ANNOTATION, SEED_OVERRIDE_ANNOTATION } from '../annotations.ts';
import { memberState, nameList, oneLine, overrideHint } from '../conditions.ts';
import { type Context, type Member, type Step } from '../context.ts';
import { describeSequence, formatSequence, holdsData, isKnown, type Sequence } from '../sequence.ts';
import { WAIT_REQUEUE_MS } from '../timing.ts';
import { activeRestore, restoreStep } from './restore.ts';

export function bootstrap(ctx: Context): Step {
  const { policy, wanted, now, interval } = ctx;

  // The seed override: seed the named member whatever the others report.
  const overrideName = policy.seedOverride;
  if (overrideName !== undefined && overrideName !== '') {
    const target = ctx.members.find((m) => m.name === overrideName);
    if (target !== undefined && target.fenced) {
      ctx.notes.push(`the seed override names ${overrideName}, which is fenced: it is ignored until ${overrideName} is unfenced`);
    } else if (target === undefined || !target.wanted) {
      ctx.notes.push(
        target === undefined
          ? `the seed override names ${overrideName}, which is not a member of this cluster: it is ignored (fix or remove the ${SEED_OVERRIDE_ANNOTATION} annotation)`
          : `the seed override names ${overrideName}, which is being removed (replicas is ${ctx.replicas}): it is ignored (fix or remove the ${SEED_OVERRIDE_ANNOTATION} annotation)`,
      );
    } else if (!target.running) {
      ctx.notes.push(`the seed override names ${overrideName}, whose pod is ${target.pod.phase}: waiting for it to run`);
    } else if (target.rec.role === 'stopped') {
      if (target.rec.sequence === undefined) {
        return {
          type: 'reads',
          reads: [{ kind: 'sequence', member: target.name }],
          reason: 'ReadingSequences',
          message: `reading the sequence of ${target.name} before seeding it (seed override)`,
        };
      }
      const sequence = target.rec.sequence;
      return {
        type: 'change',
        change: { kind: 'seed', member: target.name, sequence, override: true },
        reason: 'Seeding',
        message: `seeding ${target.name} (sequence ${describeSequence(sequence)}) as asked by the ${SEED_OVERRIDE_ANNOTATION} annotation`,
      };
    } else if (target.rec.role === 'secondary') {
      const reason = 'no primary is running: stopping it to seed it (seed override)';
      return {
        type: 'change',
        change: { kind: 'stop', member: target.name, reason, cause: 'bootstrap' },
        reason: 'StoppingSecondaries',
        message: `stopping ${target.name}: ${reason}`,
      };
    }
  }

  // Every member that should exist must run, stopped, before anyone is sequenced.
  const absent = wanted.filter((m) => !m.running);
  if (absent.length > 0 || ctx.unlisted.length > 0) {
    const names = [
      ...absent.map((m) => `${m.name} (pod ${m.pod.phase})`),
      ...ctx.unlisted.map((o) => `ordinal ${o} (not observed)`),
    ];
    return {
      type: 'wait',
      reason: 'WaitingForMembers',
      message: `no primary is running; waiting for ${nameList(names)} to run before choosing a seed (to seed without them, ${overrideHint('<pod>')})`,
      requeueAfterMs: WAIT_REQUEUE_MS,
    };
  }

  // Promotion in place: running secondaries keep running; their sequences are read where they run, and
  // the most advanced member is seeded where it is (a running secondary is promoted, the others are
  // re-pointed at it). A restore needs every member stopped, so while one is asked for they are stopped.
  const inPlace = activeRestore(ctx) === undefined;
  const secondary = inPlace ? undefined : [...wanted].reverse().find((m) => m.rec.role === 'secondary');
  if (secondary !== undefined) {
    const reason = 'no primary is running: stopping secondaries before a backup is restored';
    return {
      type: 'change',
      change: { kind: 'stop', member: secondary.name, reason, cause: 'bootstrap' },
      reason: 'StoppingSecondaries',
      message: `stopping ${secondary.name}: ${reason}`,
    };
  }

  const notStopped = wanted.filter((m) => m.rec.role !== 'stopped' && !(inPlace && m.rec.role === 'secondary'));
  if (notStopped.length > 0) {
    // Unknown roles are probed and unfenced failed members handled first (rules 1, 3): what is left here is a
    // fenced member whose stop failed, which nothing stops, so the bootstrap waits for a person.
    return {
      type: 'wait',
      reason: 'WaitingForMembers',
      message: `no primary is running; waiting for ${nameList(notStopped.map((m) => memberState(m, policy)))} to stop`,
      requeueAfterMs: WAIT_REQUEUE_MS,
    };
  }

  // Sequences: every member must report one; an unknown one blocks (it is never read as 0).
  const toRead = wanted.filter(
    (m) =>
      m.rec.sequence === undefined ||
      (m.rec.sequence === null && (m.rec.sequenceAt === undefined || now - m.rec.sequenceAt >= interval)),
  );
  if (toRead.length > 0) {
    return {
      type: 'reads',
      reads: toRead.map((m) => ({ kind: 'sequence', member: m.name })),
      reason: 'ReadingSequences',
      message: `reading the sequence of ${nameList(toRead.map((m) => m.name))} to choose a seed`,
    };
  }
  const unknown = wanted.filter((m) => m.rec.sequence === null);
  if (unknown.length > 0) {
    const nextRead = Math.min(...unknown.map((m) => (m.rec.sequenceAt ?? now) + interval - now));
    const onlyError = unknown.length === 1 ? unknown[0]?.rec.lastError : undefined;
    const detail = onlyError !== undefined ? ` (${onlyError})` : '';
    return {
      type: 'wait',
      reason: 'SequenceUnknown',
      message: oneLine(
        `no primary is running and the sequence of ${nameList(unknown.map((m) => m.name))} is unknown${detail}: ` +
          `no member is seeded until every member reports its sequence (read again every ${Math.round(interval / 1000)}s); ` +
          `to seed a member anyway, ${overrideHint('<pod>')}`,
      ),
      requeueAfterMs: nextRead,
    };
  }

  // Members being removed still hold their data until the StatefulSet lets them go: one of them may be the
  // most advanced, so their sequences are read (and count for the mark) before a seed is chosen.
  const leaving = ctx.members.filter((m) => !m.wanted && m.ordinal < ctx.observation.statefulSetReplicas && !(m.fenced && !m.running));
  const leavingAbsent = leaving.filter((m) => !m.running || m.rec.role !== 'stopped');
  if (leavingAbsent.length > 0) {
    return {
      type: 'wait',
      reason: 'WaitingForMembers',
      message: `no primary is running; waiting for ${nameList(leavingAbsent.map((m) => memberState(m, policy)))}, being removed, to run stopped so that its sequence is read before a seed is chosen (to seed without it, ${overrideHint('<pod>')})`,
      requeueAfterMs: WAIT_REQUEUE_MS,
    };
  }
  const leavingToRead = leaving.filter((m) => m.rec.sequence === undefined || (m.rec.sequence === null && (m.rec.sequenceAt === undefined || now - m.rec.sequenceAt >= interval)));
  if (leavingToRead.length > 0) {
    return {
      type: 'reads',
      reads: leavingToRead.map((m) => ({ kind: 'sequence', member: m.name })),
      reason: 'ReadingSequences',
      message: `reading the sequence of ${nameList(leavingToRead.map((m) => m.name))}, being removed, before choosing a seed`,
    };
  }
  const leavingUnknown = leaving.filter((m) => m.rec.sequence === null);
  if (leavingUnknown.length > 0) {
    return {
      type: 'wait',
      reason: 'SequenceUnknown',
      message: oneLine(`no primary is running and the sequence of ${nameList(leavingUnknown.map((m) => m.name))}, being removed, is unknown: no member is seeded until it reports one (read again every ${Math.round(interval / 1000)}s); to seed a member anyway, ${overrideHint('<pod>')}`),
      requeueAfterMs: Math.min(...leavingUnknown.map((m) => (m.rec.sequenceAt ?? now) + interval - now)),
    };
  }

  // A restore from a backup, when one is asked for and applies, instead of seeding the members' own data.
  const restore = restoreStep(ctx);
  if (restore !== undefined) return restore;

  return chooseSeed(ctx);
}

/** The member the history and the sequences designate, or why none may be seeded. */
function chooseSeed(ctx: Context): Step {
  const { wanted } = ctx;
  const mark = ctx.highestSequence;
  const known = wanted.filter((m) => isKnown(m.rec.sequence));
  // `known` members only: their sequence was read and understood.
  const held = (m: Member): Sequence => m.rec.sequence as Sequence;

  // The history the seed must belong to: the mark's, else the one the members holding data agree on.
  const named = [...new Set(known.filter((m) => holdsData(m.rec.sequence)).map((m) => held(m).history).filter((h) => h !== undefined))];
  const reference = mark?.history ?? (named.length === 1 ? named[0] : undefined);
  if (reference === undefined && named.length > 1) {
    const byHistory = named.map((h) => `${h}: ${nameList(known.filter((m) => held(m).history === h).map((m) => `${m.name} (${formatSequence(held(m))})`))}`);
    return {
      type: 'wait',
      reason: 'BootstrapRefused',
      message: oneLine(
        `refusing to bootstrap: the members hold data of different histories (${byHistory.join('; ')}), whose sequences cannot be compared; ` +
          `${overrideHint('<pod>')} to seed the member whose data is the cluster's (the others' data is replaced when they join)`,
      ),
    };
  }
  const foreign = (m: Member) => reference !== undefined && holdsData(m.rec.sequence) && held(m).history !== undefined && held(m).history !== reference;

  // Candidates: tied at the highest sequence; refused below the high-water mark or from another history.
  let best: bigint | undefined;
  for (const m of known) if (best === undefined || held(m).value > best) best = held(m).value;
  const tiedAtBest = known.filter((m) => held(m).value === best);
  const ours = tiedAtBest.filter((m) => !foreign(m));
  if (ours.length === 0 && tiedAtBest[0] !== undefined) {
    const stranger = tiedAtBest[0];
    return {
      type: 'wait',
      reason: 'BootstrapRefused',
      message: oneLine(
        `refusing to bootstrap: the best candidate ${stranger.name} holds sequence ${formatSequence(held(stranger))} of history ${held(stranger).history}, ` +
          `not this cluster's history ${reference}${mark !== undefined ? ` (highest recorded ${formatSequence(mark)})` : ''}: its data is another cluster's. ` +
          `Empty its volume if that data is not wanted, or ${overrideHint(stranger.name)} to seed it and make ${held(stranger).history} this cluster's history`,
      ),
    };
  }
  const candidates = ours.filter((m) => !m.fenced);
  // The switchover's target, then the primary it stopped (a switchover that cannot go to its target puts
  // the old primary back), then a member that already runs (promoted in place: nothing to start), then the
  // one that failed to seed least often, then the lowest ordinal; none: the best are all fenced.
  const target = ctx.observation.switchover?.target;
  const from = ctx.observation.switchover?.from;
  const rank = (m: Member) => (m.name === target ? 0 : m.name === from ? 1 : m.rec.role === 'secondary' ? 2 : 3);
  const chosen = [...candidates].sort((a, b) => rank(a) - rank(b) || a.rec.seedFailures - b.rec.seedFailures || a.ordinal - b.ordinal)[0];
  if (chosen === undefined) {
    const fenced = ours.map((m) => m.name);
    return {
      type: 'wait',
      reason: 'SeedFenced',
      message:
        `no primary is running and the most advanced ${fenced.length === 1 ? 'member' : 'members'} (${nameList(fenced)}, sequence ${best}) ` +
        `${fenced.length === 1 ? 'is' : 'are'} fenced: unfence ${fenced.length === 1 ? 'it' : 'one'} (remove it from the ${FENCED_ANNOTATION} annotation) ` +
        `to seed it, or ${overrideHint('<pod>')} to seed a less advanced member and lose what only the fenced members hold`,
    };
  }
  const seed = held(chosen);
  if (mark !== undefined && seed.value < mark.value) {
    return {
      type: 'wait',
      reason: 'BootstrapRefused',
      message:
        `refusing to bootstrap: the best candidate ${chosen.name} has sequence ${formatSequence(seed)}, below the highest sequence ` +
        `recorded for this cluster (${formatSequence(mark)}); seeding it would lose data. If that data is really gone, ` +
        `${overrideHint(chosen.name)} to seed it anyway` +
        (seed.value === 0n ? `, or restore the newest backup: kubectl rss restore <cluster> (the ${RESTORE_ANNOTATION} annotation)` : ''),
    };
  }
  const tied = candidates.length > 1 ? ` (tied with ${nameList(candidates.filter((m) => m !== chosen).map((m) => m.name))})` : '';
  const where = chosen.rec.role === 'secondary' ? ', in place: it runs as a secondary' : '';
  const switching = target !== undefined
    ? chosen.name === target
      ? ` (switchover from ${ctx.observation.switchover?.from})`
      : ` (switchover to ${target} abandoned: ${target} ${describeBehind(ctx, target, seed)})`
    : '';
  return {
    type: 'change',
    change: { kind: 'seed', member: chosen.name, sequence: seed, override: false },
    reason: 'Seeding',
    message: oneLine(`seeding ${chosen.name}, the member with the highest sequence (${formatSequence(seed)})${tied}${where}${switching}`),
  };
}

/** Why the switchover's target was not chosen: its sequence beside the seed's. */
function describeBehind(ctx: Context, target: string, seed: Sequence): string {
  const member = ctx.wanted.find((m) => m.name === target);
  if (member === undefined) return 'is not a member';
  if (member.fenced) return 'is fenced';
  return `has sequence ${describeSequence(member.rec.sequence)}, behind ${formatSequence(seed)}`;
}
