// Rule 7 with a running primary: secondaries of a primary that is gone are re-pointed, stopped members
// join, and primaries are balanced.
import { nameList } from '../conditions.ts';
import { isHealthy, isRunningPrimary, primaryTarget, type Context, type Step } from '../context.ts';

export function joinAndBalance(ctx: Context): Step | undefined {
  const { policy, wanted, replicas } = ctx;
  const target = primaryTarget(policy, replicas);
  const primaries = wanted.filter(isRunningPrimary);
  const following = primaries.map((m) => m.name);

  // A secondary whose primaries all stopped running as primary (a promotion, a switchover) follows nobody:
  // `secondary` points it at the running primaries, without stopping it.
  const running = new Set(ctx.members.filter(isRunningPrimary).map((m) => m.name));
  const orphan = wanted.find((m) => isHealthy(m) && !m.fenced && m.rec.role === 'secondary' && m.rec.following !== undefined && !m.rec.following.some((p) => running.has(p)));
  if (orphan !== undefined && policy.hasSecondaryCommand) {
    const was = orphan.rec.following !== undefined && orphan.rec.following.length > 0 ? ` (it followed ${nameList(orphan.rec.following)})` : '';
    return {
      type: 'change',
      change: { kind: 'join', member: orphan.name, as: 'secondary', following },
      reason: 'Repointing',
      message: `re-pointing ${orphan.name} at the primary ${nameList(following)}${was}, without stopping it`,
    };
  }

  const joiner = wanted.find((m) => m.running && !m.fenced && m.rec.role === 'stopped');
  if (joiner !== undefined) {
    if (joiner.rec.sequence === undefined) {
      return {
        type: 'reads',
        reads: [{ kind: 'sequence', member: joiner.name }],
        reason: 'ReadingSequences',
        message: `reading the sequence of ${joiner.name} before it joins`,
      };
    }
    const as = primaries.length < target || !policy.hasSecondaryCommand ? 'primary' : 'secondary';
    return {
      type: 'change',
      change: { kind: 'join', member: joiner.name, as, following },
      reason: 'Joining',
      message: `${joiner.name} joins as ${as} (${primaries.length} of ${target} primaries running)`,
    };
  }

  if (primaries.length < target && policy.hasSecondaryCommand && wanted.every((m) => m.running)) {
    const secondary = wanted.find((m) => m.rec.role === 'secondary');
    if (secondary !== undefined) {
      const reason = `${primaries.length} of ${target} primaries running: stopping a secondary so it rejoins as primary`;
      return {
        type: 'change',
        change: { kind: 'stop', member: secondary.name, reason, cause: 'balance' },
        reason: 'Promoting',
        message: `stopping ${secondary.name}: ${reason}`,
      };
    }
  }

  if (primaries.length > target && policy.hasSecondaryCommand) {
    const highest = primaries[primaries.length - 1];
    if (highest !== undefined) {
      const reason = `${primaries.length} primaries running, ${target} wanted: stopping it so it rejoins as secondary`;
      return {
        type: 'change',
        change: { kind: 'stop', member: highest.name, reason, cause: 'balance' },
        reason: 'Demoting',
        message: `stopping ${highest.name}: ${reason}`,
      };
    }
  }
  return undefined;
}
