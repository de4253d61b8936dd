// Every reason a condition of a ReplicatedStatefulSet can carry, and which of them call for a Warning event.
// The engine produces all but the first group; the executor adds those around the engine's conditions.

export type ConditionReason =
  // Set by the executor (spec validation, commands that cannot run).
  | 'Valid'
  | 'ValidWithWarnings'
  | 'InvalidSpec'
  | 'ExecFailed'
  // Available, Bootstrapped, Degraded, Paused.
  | 'PrimaryRunning'
  | 'NoPrimary'
  | 'Stopped'
  | 'Paused'
  | 'NotPaused'
  | 'MembersFailed'
  | 'MembersNotRunning'
  | 'AllMembersRunning'
  | 'MembersDegraded'
  // Progressing: the step a rule decided, or the state when none did.
  | 'Stable'
  | 'ScalingUp'
  | 'ScalingDown'
  | 'Probing'
  | 'PeriodicProbe'
  | 'Fencing'
  | 'ReplacingPod'
  | 'StoppingFailedMember'
  | 'Restarting'
  | 'WaitingForMembers'
  | 'StoppingSecondaries'
  | 'ReadingSequences'
  | 'SequenceUnknown'
  | 'SeedFenced'
  | 'BootstrapRefused'
  | 'Seeding'
  | 'Joining'
  | 'Promoting'
  | 'Demoting'
  | 'Repointing'
  | 'SwitchingOver'
  | 'SwitchoverWaiting'
  | 'Restoring'
  | 'RestoreBlocked'
  | 'RestoreRefused'
  | 'RestoreFailed'
  | 'RestoreUnreadable'
  // Updated (RollingUpdate and RolloutHalted are also Progressing reasons).
  | 'RevisionUnknown'
  | 'UpToDate'
  | 'RollingUpdate'
  | 'RolloutHalted';

export type ReasonSeverity = 'Normal' | 'Warning';

/**
 * Warning: something a person has to look at (a spec problem, a bootstrap or restore that will not go on
 * by itself, a member that cannot be seeded). A Record, so that a new reason cannot be left out.
 */
const SEVERITY: Record<ConditionReason, ReasonSeverity> = {
  Valid: 'Normal',
  ValidWithWarnings: 'Warning',
  InvalidSpec: 'Warning',
  ExecFailed: 'Normal',
  PrimaryRunning: 'Normal',
  NoPrimary: 'Normal',
  Stopped: 'Normal',
  Paused: 'Normal',
  NotPaused: 'Normal',
  MembersFailed: 'Normal',
  MembersNotRunning: 'Normal',
  AllMembersRunning: 'Normal',
  MembersDegraded: 'Normal',
  Stable: 'Normal',
  ScalingUp: 'Normal',
  ScalingDown: 'Normal',
  Probing: 'Normal',
  PeriodicProbe: 'Normal',
  Fencing: 'Normal',
  ReplacingPod: 'Normal',
  StoppingFailedMember: 'Normal',
  Restarting: 'Normal',
  WaitingForMembers: 'Normal',
  StoppingSecondaries: 'Normal',
  ReadingSequences: 'Normal',
  SequenceUnknown: 'Warning',
  SeedFenced: 'Warning',
  BootstrapRefused: 'Warning',
  Seeding: 'Normal',
  Joining: 'Normal',
  Promoting: 'Normal',
  Demoting: 'Normal',
  Repointing: 'Normal',
  SwitchingOver: 'Normal',
  SwitchoverWaiting: 'Normal',
  Restoring: 'Normal',
  RestoreBlocked: 'Warning',
  RestoreRefused: 'Warning',
  RestoreFailed: 'Warning',
  RestoreUnreadable: 'Warning',
  RevisionUnknown: 'Normal',
  UpToDate: 'Normal',
  RollingUpdate: 'Normal',
  // The halt has its own Warning event when it happens (the executor's rollout announcements).
  RolloutHalted: 'Normal',
};

/** The type of the event announcing a condition that takes this reason. */
export function reasonSeverity(reason: ConditionReason): ReasonSeverity {
  return SEVERITY[reason];
}

/** Whether a condition's reason, as written in a status, calls for a Warning event. */
export function isWarningReason(reason: string): boolean {
  return Object.hasOwn(SEVERITY, reason) && SEVERITY[reason as ConditionReason] === 'Warning';
}
