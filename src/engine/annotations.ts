// The annotations on the ReplicatedStatefulSet that the engine names in its messages (the executor reads
// them into the policy).

/** Annotation on the RSS naming the pod to seed, bypassing the unknown-sequence and high-water-mark checks. */
export const SEED_OVERRIDE_ANNOTATION = 'rss.clusterlabs.org/seed-override';
/** Annotation on the RSS listing fenced members (for messages; the executor reads it into policy.fenced). */
export const FENCED_ANNOTATION = 'rss.clusterlabs.org/fenced';
/** Annotation on the RSS naming a member to restart (for messages; read into policy.restart). */
export const RESTART_ANNOTATION = 'rss.clusterlabs.org/restart';
/** RSS annotation asking for a restore from a backup (a Backup name, or "latest"). */
export const RESTORE_ANNOTATION = 'rss.clusterlabs.org/restore';
/** RSS annotation naming the member to hand the primary role to (a planned switchover). */
export const SWITCHOVER_ANNOTATION = 'rss.clusterlabs.org/switchover';
