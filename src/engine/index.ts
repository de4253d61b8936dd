// The policy engine's public API: pure decisions and outcome folding, no Kubernetes.
export type * from './types.ts';
export { decide, normaliseRecord, SEED_OVERRIDE_ANNOTATION, FENCED_ANNOTATION, RESTART_ANNOTATION, RESTORE_ANNOTATION, MIN_REQUEUE_MS, WAIT_REQUEUE_MS } from './decide.ts';
export {
  recordRead,
  recordChange,
  markFromRead,
  parseSequence,
  roleFromStatus,
  freshRecord,
  succeeded,
  describeFailure,
} from './outcomes.ts';
