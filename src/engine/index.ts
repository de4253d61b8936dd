// The policy engine's public API: pure decisions and outcome folding, no Kubernetes.
export type * from './types.ts';
export type { ConditionReason, ReasonSeverity } from './reasons.ts';
export { decide } from './decide.ts';
export { normaliseRecord } from './context.ts';
export { SEED_OVERRIDE_ANNOTATION, FENCED_ANNOTATION, RESTART_ANNOTATION, RESTORE_ANNOTATION, SWITCHOVER_ANNOTATION } from './annotations.ts';
export { MIN_REQUEUE_MS, WAIT_REQUEUE_MS } from './timing.ts';
export { reasonSeverity } from './reasons.ts';
export {
  recordRead,
  recordChange,
  markFromRead,
  roleFromStatus,
  freshRecord,
  succeeded,
  describeFailure,
} from './outcomes.ts';
export { parseSequence, readSequence, formatSequence, describeSequence, sequenceOf, sequenceToJson, sequenceFromJson, MAX_SEQUENCE, type Sequence } from './sequence.ts';
