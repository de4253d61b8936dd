// Rule 2: a fenced member that runs the application is stopped, once; then it is left alone.
import { FENCED_ANNOTATION } from '../annotations.ts';
import type { Context, Step } from '../context.ts';

export function fencing(ctx: Context): Step | undefined {
  const member = ctx.members.find(
    (m) => m.fenced && m.running && (m.rec.role === 'primary' || m.rec.role === 'secondary' || (m.rec.role === 'failed' && !m.rec.stopFailed)),
  );
  if (member === undefined) return undefined;
  const reason = `fenced by the ${FENCED_ANNOTATION} annotation: stopped and left alone until unfenced`;
  return {
    type: 'change',
    change: { kind: 'stop', member: member.name, reason, cause: 'fence' },
    reason: 'Fencing',
    message: `stopping ${member.name}: ${reason}`,
  };
}
