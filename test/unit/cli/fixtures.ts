// Clusters as the API server returns them, for the kubectl plugin's tests: the RSS (with the status the
// operator writes), its pods, its Events, and its Backups and BackupSchedules. Times are relative to NOW
// so the rendered ages are fixed.
import type { Backup, BackupSchedule, BackupStatus } from '../../../src/api/backup-types.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';
import type { EventLike, PodLike, StatusInput } from '../../../src/cli/status-view.ts';

export const NOW = new Date('2026-03-01T12:00:00Z');

/** RFC 3339 time `seconds` before NOW. */
export function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString();
}

const REVISION = 'rss-example-57b695fccc';
const NEW_REVISION = 'rss-example-6d9f8b7c5d';

function baseRss(annotations: Record<string, string> = {}): ReplicatedStatefulSet {
  return {
    apiVersion: 'clusterlabs.org/v1alpha1',
    kind: 'ReplicatedStatefulSet',
    metadata: {
      name: 'example',
      namespace: 'shop',
      uid: '356e76aa-98ce-4a40-8b4a-71f2dafd11da',
      resourceVersion: '4711',
      generation: 1,
      creationTimestamp: new Date(ago(3 * 86400)),
      annotations,
    },
    spec: {
      replicas: 3,
      reconcileInterval: '30s',
      failureThreshold: 3,
      paused: false,
      pod: {
        containers: [{ name: 'dummy', image: 'rss-operator/dummy:latest' }],
        commands: {
          sequence: { command: ['rss-dummy', 'sequence'] },
          seed: { command: ['rss-dummy', 'seed'] },
          primary: { command: ['rss-dummy', 'primary'] },
          status: { command: ['rss-dummy', 'status'], timeout: '60s' },
          stop: { command: ['rss-dummy', 'stop'] },
        },
      },
    },
  };
}

function pod(ordinal: number, createdSecondsAgo: number, revision = REVISION, phase = 'Running'): PodLike {
  return {
    metadata: {
      name: `rss-example-${ordinal}`,
      uid: `00000000-0000-4000-8000-00000000000${ordinal}`,
      creationTimestamp: ago(createdSecondsAgo),
      labels: { app: 'example', 'rss-operator-managed': 'true', 'controller-revision-hash': revision },
    },
    status: { phase },
  };
}

let rv = 100;
function event(type: string, reason: string, message: string, lastSecondsAgo: number, count = 1, firstSecondsAgo = lastSecondsAgo): EventLike {
  return {
    type,
    reason,
    message,
    count,
    firstTimestamp: ago(firstSecondsAgo),
    lastTimestamp: ago(lastSecondsAgo),
    metadata: { creationTimestamp: ago(firstSecondsAgo), resourceVersion: String(++rv) },
  };
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string, secondsAgo: number) {
  return { type, status, reason, message, lastTransitionTime: ago(secondsAgo), observedGeneration: 1 };
}

/** Three primaries, all well, bootstrapped three days ago. */
export function healthy(): StatusInput {
  const rss = baseRss();
  rss.status = {
    phase: 'Running',
    replicas: 3,
    readyReplicas: 3,
    primaryReplicas: 3,
    observedGeneration: 1,
    selector: 'app=example,rss-operator-managed=true',
    highestSequence: 1742,
    lastBootstrap: { pod: 'rss-example-0', sequence: 1742, time: ago(3 * 86400 - 3), override: false },
    updateRevision: REVISION,
    updatedReplicas: 3,
    rollout: { revision: REVISION, updated: 3, total: 3, state: 'Complete' },
    members: { ready: ['rss-example-0', 'rss-example-1', 'rss-example-2'], primary: ['rss-example-0', 'rss-example-1', 'rss-example-2'], secondary: [], failed: [], stopped: [], unready: [] },
    conditions: [
      condition('SpecValid', 'True', 'Valid', 'The spec is valid', 3 * 86400),
      condition('Available', 'True', 'PrimaryRunning', '3 of 3 members running: 3 primaries, 0 secondaries', 3 * 86400 - 3),
      condition('Progressing', 'False', 'Stable', 'nothing to change', 3 * 86400 - 5),
      condition('Degraded', 'False', 'AllMembersRunning', 'all 3 members are running', 3 * 86400 - 5),
      condition('Bootstrapped', 'True', 'PrimaryRunning', 'running 3 primaries: rss-example-0, rss-example-1, rss-example-2', 3 * 86400 - 3),
      condition('Paused', 'False', 'NotPaused', 'the operator manages the application', 3 * 86400),
    ],
    memberStatus: [0, 1, 2].map((i) => ({
      name: `rss-example-${i}`,
      role: 'primary' as const,
      podUID: `00000000-0000-4000-8000-00000000000${i}`,
      // Running healthy members carry no sequence: theirs moves on, and is read again when they stop.
      lastStatus: 8,
      failures: 0,
      seedFailures: 0,
      revision: REVISION,
    })),
  };
  return {
    rss,
    pods: [pod(0, 3 * 86400), pod(1, 3 * 86400), pod(2, 3 * 86400)],
    events: [
      event('Normal', 'Seeded', 'Started a new cluster from rss-example-0 (sequence 1742)', 3 * 86400 - 3),
      event('Normal', 'MemberJoined', 'rss-example-1 joined as primary (peers: rss-example-0.example-svc)', 3 * 86400 - 4),
      event('Normal', 'MemberJoined', 'rss-example-2 joined as primary (peers: rss-example-0.example-svc rss-example-1.example-svc)', 3 * 86400 - 5),
    ],
    // Listed, and none of them its own: an operator with backups, a cluster without.
    backups: [backup('other-20260301000000', 3600, undefined, { 'clusterlabs.org/cluster': 'other' }, 'other')],
    schedules: [],
  };
}

/**
 * A rolling update halted by a member that fails on the new revision; another member is fenced (its pod
 * on the old revision, skipped by the rollout) and a restart of the first one is pending.
 */
export function degraded(): StatusInput {
  const rss = baseRss({ 'rss.clusterlabs.org/fenced': 'rss-example-2', 'rss.clusterlabs.org/restart': 'rss-example-0' });
  rss.metadata.generation = 2;
  rss.status = {
    phase: 'Degraded',
    replicas: 3,
    readyReplicas: 1,
    primaryReplicas: 1,
    observedGeneration: 2,
    selector: 'app=example,rss-operator-managed=true',
    highestSequence: 1790,
    lastBootstrap: { pod: 'rss-example-0', sequence: 1742, time: ago(3 * 86400 - 3), override: false },
    updateRevision: NEW_REVISION,
    updatedReplicas: 1,
    rollout: {
      revision: NEW_REVISION,
      updated: 1,
      total: 3,
      state: 'Halted',
      skipped: ['rss-example-2'],
      halted: { member: 'rss-example-1', revision: NEW_REVISION, reason: 'status exited with code 3 after rejoining', time: ago(290) },
    },
    members: { ready: ['rss-example-0'], primary: ['rss-example-0'], secondary: [], failed: ['rss-example-1'], stopped: ['rss-example-2'], unready: ['rss-example-1', 'rss-example-2'] },
    conditions: [
      condition('SpecValid', 'True', 'Valid', 'The spec is valid', 3 * 86400),
      condition('Available', 'True', 'PrimaryRunning', '1 of 3 members running: 1 primary, 0 secondaries', 300),
      condition('Progressing', 'False', 'RolloutHalted', 'the rolling update to rss-example-6d9f8b7c5d halted at rss-example-1: status exited with code 3 after rejoining', 290),
      condition('Degraded', 'True', 'MembersFailed', '2 of 3 members not running: rss-example-1 (failed, 2 failures: status exited with code 3), rss-example-2 (fenced)', 300),
      condition('Bootstrapped', 'True', 'PrimaryRunning', 'running 1 primary: rss-example-0', 3 * 86400 - 3),
      condition('Paused', 'False', 'NotPaused', 'the operator manages the application', 3 * 86400),
    ],
    memberStatus: [
      { name: 'rss-example-0', role: 'primary', podUID: '00000000-0000-4000-8000-000000000000', lastStatus: 8, failures: 0, seedFailures: 0, revision: REVISION },
      {
        name: 'rss-example-1',
        role: 'failed',
        podUID: '00000000-0000-4000-8000-000000000001',
        sequence: 1790,
        sequenceTime: ago(327),
        lastStatus: 3,
        failures: 2,
        seedFailures: 0,
        lastError: 'status exited with code 3',
        revision: NEW_REVISION,
      },
      {
        name: 'rss-example-2',
        role: 'stopped',
        podUID: '00000000-0000-4000-8000-000000000002',
        sequence: 1788,
        sequenceTime: ago(3600),
        lastStatus: 7,
        failures: 0,
        seedFailures: 0,
        revision: REVISION,
        fenced: true,
        lastError: 'stop timed out after 10m',
        stopFailed: true,
      },
    ],
  };
  return {
    rss,
    pods: [pod(0, 3 * 86400), pod(1, 330, NEW_REVISION), pod(2, 3 * 86400)],
    events: [
      event('Normal', 'MemberStopped', 'Stopped rss-example-2: fenced by the rss.clusterlabs.org/fenced annotation', 3600),
      event('Normal', 'MemberReplaced', 'Deleted pod rss-example-1 so that it is recreated from the new template (rolling update)', 335),
      event('Normal', 'MemberJoined', 'rss-example-1 joined as primary (peers: rss-example-0.example-svc)', 325),
      event('Warning', 'MemberFailed', 'rss-example-1: status exited with code 3', 295, 2, 320),
      event('Normal', 'MemberStopped', 'Stopped rss-example-1: failed (status exited with code 3); stopping it before it rejoins', 300),
      event('Warning', 'RolloutHalted', 'the rolling update to rss-example-6d9f8b7c5d halted at rss-example-1: status exited with code 3 after rejoining', 290),
    ],
    backups: [],
    schedules: [],
  };
}

/**
 * After every pod went away: the members are back and stopped, one's sequence is unknown, so the bootstrap
 * waits; a seed override is pending, and the third member's pod is still Pending. The backup CRD is not
 * installed: no Backups or BackupSchedules were listed.
 */
export function bootstrapping(): StatusInput {
  const rss = baseRss({ 'rss.clusterlabs.org/seed-override': 'rss-example-0' });
  const unknown =
    'no primary is running and the sequence of rss-example-1 is unknown (sequence printed "%% not a number %%", not a non-negative integer: sequence unknown): no member is seeded until every member reports its sequence (read again every 30s); to seed a member anyway, set the annotation rss.clusterlabs.org/seed-override=<pod> on the ReplicatedStatefulSet';
  rss.status = {
    phase: 'Bootstrapping',
    replicas: 3,
    readyReplicas: 0,
    primaryReplicas: 0,
    observedGeneration: 1,
    selector: 'app=example,rss-operator-managed=true',
    highestSequence: 1790,
    lastBootstrap: { pod: 'rss-example-2', sequence: null, time: ago(9 * 86400), override: true },
    members: { ready: [], primary: [], secondary: [], failed: [], stopped: ['rss-example-0', 'rss-example-1'], unready: ['rss-example-0', 'rss-example-1', 'rss-example-2'] },
    conditions: [
      condition('SpecValid', 'True', 'Valid', 'The spec is valid', 3 * 86400),
      condition('Available', 'False', 'SequenceUnknown', unknown, 95),
      condition('Progressing', 'False', 'SequenceUnknown', unknown, 95),
      condition('Degraded', 'True', 'MembersNotRunning', '3 of 3 members not running: rss-example-0 (stopped), rss-example-1 (stopped), rss-example-2 (pod Pending)', 100),
      condition('Bootstrapped', 'False', 'SequenceUnknown', unknown, 95),
      condition('Paused', 'False', 'NotPaused', 'the operator manages the application', 3 * 86400),
    ],
    memberStatus: [
      { name: 'rss-example-0', role: 'stopped', podUID: '00000000-0000-4000-8000-000000000000', sequence: 1790, sequenceTime: ago(20), lastStatus: 7, failures: 0, seedFailures: 1, lastError: 'seed exited with code 1' },
      // The operator wrote sequence: null; a merge patch stores it as absent, with the time it was read.
      { name: 'rss-example-1', role: 'stopped', podUID: '00000000-0000-4000-8000-000000000001', sequenceTime: ago(20), lastStatus: 7, failures: 0, seedFailures: 0, lastError: 'sequence printed "%% not a number %%", not a non-negative integer: sequence unknown', revision: REVISION },
      { name: 'rss-example-2', role: 'unknown', failures: 0, seedFailures: 0 },
    ],
  };
  return {
    rss,
    pods: [pod(0, 100), pod(1, 100), pod(2, 100, REVISION, 'Pending')],
    events: [
      event('Warning', 'SequenceUnknown', 'rss-example-1: sequence exited with code 0; its sequence is unknown, so it cannot be compared', 20, 4, 95),
      event('Warning', 'SeedFailed', 'seed failed on rss-example-0: seed exited with code 1', 60),
      event('Warning', 'SequenceUnknown', unknown, 95),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Backups

/** The cluster's spec.backup and backup/restore commands, as a cluster that is backed up has them. */
function withBackups(rss: ReplicatedStatefulSet): ReplicatedStatefulSet {
  rss.spec.backup = {
    storage: {
      s3: {
        endpoint: 'http://minio.storage:9000',
        bucket: 'rss-backups',
        credentials: { accessKeyId: { name: 'backup-s3', key: 'id' }, secretAccessKey: { name: 'backup-s3', key: 'secret' } },
      },
    },
  };
  rss.spec.pod.commands.backup = { command: ['rss-dummy', 'backup'] };
  rss.spec.pod.commands.restore = { command: ['rss-dummy', 'restore'] };
  return rss;
}

const SHA = '3f2a9c0d1e2b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5';

/** A Backup as the API server returns it (a creation time as text, as the plugin reads raw objects). */
export function backup(name: string, createdSecondsAgo: number, status: BackupStatus | undefined, labels: Record<string, string> = { 'clusterlabs.org/cluster': 'example' }, cluster = 'example'): Backup {
  return {
    apiVersion: 'clusterlabs.org/v1alpha1',
    kind: 'Backup',
    metadata: { name, namespace: 'shop', uid: `b-${name}`, creationTimestamp: ago(createdSecondsAgo) as unknown as Date, labels },
    spec: { cluster },
    ...(status !== undefined ? { status } : {}),
  };
}

function completed(member: string, role: string, sequence: number | null, size: number, createdSecondsAgo: number, seconds: number, name: string): BackupStatus {
  return {
    phase: 'Completed',
    member,
    role,
    sequence,
    size,
    sha256: SHA,
    objectKey: `backups/shop/example/${name}`,
    bucket: 'rss-backups',
    startedAt: ago(createdSecondsAgo - 1),
    completedAt: ago(createdSecondsAgo - 1 - seconds),
    message: `from ${member} (${role}, sequence ${sequence ?? 'unknown'}) in ${seconds}.0 s`,
  };
}

const NIGHTLY = { 'clusterlabs.org/cluster': 'example', 'clusterlabs.org/backup-schedule': 'nightly' };

/**
 * The Backups of namespace shop: two nightly ones completed, a manual one failed since, one running now,
 * one just created by hand (no label, no status yet), and one of another cluster.
 */
export function backups(): Backup[] {
  return [
    backup('example-nightly-20260228030000', 33 * 3600, completed('rss-example-2', 'primary', 1700, 1_181_116_006, 33 * 3600, 95, 'example-nightly-20260228030000'), NIGHTLY),
    backup('example-nightly-20260301030000', 9 * 3600, completed('rss-example-2', 'primary', 1742, 1_288_490_189, 9 * 3600, 102, 'example-nightly-20260301030000'), NIGHTLY),
    backup('example-20260301113000', 30 * 60, {
      phase: 'Failed',
      member: 'rss-example-1',
      role: 'primary',
      startedAt: ago(30 * 60 - 1),
      completedAt: ago(30 * 60 - 20),
      message: 'backup from rss-example-1 failed: backup exited with code 2 (tar: /var/lib/app: file changed as we read it); nothing was kept in storage',
    }),
    backup('example-20260301115900', 60, {
      phase: 'Running',
      member: 'rss-example-1',
      role: 'primary',
      objectKey: 'backups/shop/example/example-20260301115900',
      bucket: 'rss-backups',
      startedAt: ago(58),
      message: 'streaming the backup of rss-example-1 (primary) into backups/shop/example/example-20260301115900',
    }),
    backup('example-before-upgrade', 5, undefined, {}),
    backup('other-20260301000000', 12 * 3600, completed('rss-other-0', 'primary', 99, 2048, 12 * 3600, 1, 'other-20260301000000'), { 'clusterlabs.org/cluster': 'other' }, 'other'),
  ];
}

function schedule(name: string, cluster: string, cron: string, suspend: boolean, status: BackupSchedule['status']): BackupSchedule {
  return {
    apiVersion: 'clusterlabs.org/v1alpha1',
    kind: 'BackupSchedule',
    metadata: { name, namespace: 'shop', creationTimestamp: ago(10 * 86400) as unknown as Date },
    spec: { cluster, schedule: cron, suspend, keep: 7 },
    ...(status !== undefined ? { status } : {}),
  };
}

export function schedules(): BackupSchedule[] {
  return [
    schedule('nightly', 'example', '0 3 * * *', false, {
      lastScheduleTime: ago(9 * 3600),
      lastBackup: 'example-nightly-20260301030000',
      lastSuccessfulBackup: 'example-nightly-20260301030000',
      nextScheduleTime: ago(-15 * 3600),
      message: 'next backup at 2026-03-02T03:00:00Z',
      conditions: [condition('Ready', 'True', 'Scheduled', 'next backup at 2026-03-02T03:00:00Z', 10 * 86400)],
    }),
    schedule('weekly-offsite', 'example', '@weekly', true, {
      message: 'suspended',
      conditions: [condition('Ready', 'True', 'Suspended', 'suspended', 2 * 86400)],
    }),
    schedule('every-minute', 'example', '*/1 * * *', false, {
      message: 'invalid BackupSchedule: spec.schedule: expected 5 fields, got 4',
      conditions: [condition('Ready', 'False', 'InvalidSpec', 'invalid BackupSchedule: spec.schedule: expected 5 fields, got 4', 3600)],
    }),
    schedule('hourly', 'other', '@hourly', false, undefined),
  ];
}

/** The healthy cluster, backed up: nightly backups, a failed manual one, one running now, three schedules. */
export function backedUp(): StatusInput {
  const input = healthy();
  withBackups(input.rss);
  return { ...input, backups: backups(), schedules: schedules() };
}

/**
 * After every volume was lost: the members came back empty (sequence 0), the operator refused to seed
 * them below the high-water mark, and `kubectl rss restore` asked for the latest backup, which is being
 * restored into the first member.
 */
export function restoring(): StatusInput {
  const rss = withBackups(baseRss({ 'rss.clusterlabs.org/restore': 'latest' }));
  rss.status = {
    phase: 'Bootstrapping',
    replicas: 3,
    readyReplicas: 0,
    primaryReplicas: 0,
    observedGeneration: 1,
    selector: 'app=example,rss-operator-managed=true',
    highestSequence: 1742,
    lastBootstrap: { pod: 'rss-example-0', sequence: 1742, time: ago(3 * 86400 - 3), override: false },
    members: { ready: [], primary: [], secondary: [], failed: [], stopped: ['rss-example-0', 'rss-example-1', 'rss-example-2'], unready: ['rss-example-0', 'rss-example-1', 'rss-example-2'] },
    conditions: [
      condition('SpecValid', 'True', 'Valid', 'The spec is valid', 3 * 86400),
      condition('Available', 'False', 'Restoring', 'restoring backup example-nightly-20260301030000 into rss-example-0 (every member is empty)', 40),
      condition('Progressing', 'True', 'Restoring', 'restoring backup example-nightly-20260301030000 into rss-example-0 (every member is empty)', 40),
      condition('Degraded', 'True', 'MembersNotRunning', '3 of 3 members not running: rss-example-0 (stopped), rss-example-1 (stopped), rss-example-2 (stopped)', 300),
      condition('Bootstrapped', 'False', 'Restoring', 'restoring backup example-nightly-20260301030000 into rss-example-0 (every member is empty)', 40),
      condition('Paused', 'False', 'NotPaused', 'the operator manages the application', 3 * 86400),
    ],
    memberStatus: [0, 1, 2].map((i) => ({
      name: `rss-example-${i}`,
      role: 'stopped' as const,
      podUID: `00000000-0000-4000-8000-00000000000${i}`,
      sequence: 0,
      sequenceTime: ago(60),
      lastStatus: 7,
      failures: 0,
      seedFailures: 0,
      revision: REVISION,
    })),
    restore: {
      backup: 'example-nightly-20260301030000',
      objectKey: 'backups/shop/example/example-nightly-20260301030000',
      requestedBy: 'annotation',
      phase: 'Restoring',
      member: 'rss-example-0',
      message: 'restoring backup example-nightly-20260301030000 into rss-example-0 (every member is empty)',
      startedAt: ago(40),
    },
  };
  return {
    rss,
    pods: [pod(0, 300), pod(1, 300), pod(2, 300)],
    events: [
      event('Warning', 'BootstrapRefused', 'refusing to bootstrap: the best candidate rss-example-0 has sequence 0, below the highest sequence recorded for this cluster (1742); seeding it would lose data. If that data is really gone, set the annotation rss.clusterlabs.org/seed-override=rss-example-0 on the ReplicatedStatefulSet to seed it anyway, or restore the newest backup: kubectl rss restore <cluster> (the rss.clusterlabs.org/restore annotation)', 120, 3, 240),
      event('Normal', 'Restoring', 'Restoring backup example-nightly-20260301030000 into rss-example-0', 40),
    ],
    backups: backups().filter((b) => b.status?.phase === 'Completed'),
    schedules: [],
  };
}
