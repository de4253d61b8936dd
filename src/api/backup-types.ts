// Backups and restores as stored by the API server (deploy/crd-backup.yaml is their schema): where a
// cluster's backups go (spec.backup of the RSS), one backup (kind Backup), backups on a schedule (kind
// BackupSchedule), and where a new cluster's data comes from (spec.bootstrap of the RSS).
//
// The application never holds storage credentials: the operator runs the `backup` command in a member and
// streams its stdout into S3-compatible object storage, and streams an object into the `restore` command's
// stdin. Each backup is two objects: the data (`<key>`) and, written only once the data is complete and
// its checksum known, a manifest (`<key>.json`). An object without a manifest is not a backup.

import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { StatusCondition } from './types.ts';

/** A key of a Secret in the cluster's namespace. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/** S3-compatible object storage (AWS S3, MinIO, versitygw, Ceph RGW…). */
export interface S3Storage {
  /** https://host:port or http://host:port; absent = AWS S3 of `region`. */
  endpoint?: string;
  bucket: string;
  /** Prepended to every object key; "backups/" by default. */
  prefix?: string;
  /** Default us-east-1. */
  region?: string;
  /** Path-style addressing (https://host/bucket/key), as most S3-compatible servers need. Default true when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Access key id and secret access key, from a Secret in the cluster's namespace. */
  credentials: {
    accessKeyId: SecretKeyRef;
    secretAccessKey: SecretKeyRef;
  };
  /** A CA bundle (PEM) to trust for the endpoint's TLS certificate. */
  ca?: SecretKeyRef;
}

export type BackupTarget = 'prefer-secondary' | 'primary';

/** spec.backup of the RSS. */
export interface BackupPolicy {
  storage: { s3: S3Storage };
  /** Which member a backup is taken from: a running secondary when there is one (default), or a primary. */
  target?: BackupTarget;
  /**
   * Lights-out with every volume lost: restore the newest completed backup without waiting for a person.
   * Off by default: the operator refuses and says how to restore (`kubectl rss restore`).
   */
  restoreOnDataLoss?: boolean;
}

/** spec.bootstrap of the RSS: the backup a new cluster starts from. */
export interface BootstrapSource {
  backup: {
    /** A Backup resource in the cluster's namespace (its objectKey is used). */
    name?: string;
    /** An object key in spec.backup.storage (the backup's data object; its manifest is `<key>.json`). */
    objectKey?: string;
  };
}

export type BackupPhase = 'Pending' | 'Running' | 'Completed' | 'Failed';

export interface BackupSpec {
  /** The RSS (same namespace) to back up. */
  cluster: string;
  /** Overrides the cluster's spec.backup.target for this backup. */
  target?: BackupTarget;
  /** What deleting this resource does to the backup's objects: Retain (default) or Delete. */
  deletionPolicy?: 'Retain' | 'Delete';
}

export interface BackupStatus {
  phase?: BackupPhase;
  /** The member the backup was taken from. */
  member?: string;
  /** The member's role when the backup started. */
  role?: string;
  /**
   * The member's `sequence` when the backup started; null when it could not be read. A number while it is
   * a safe integer, else a decimal string.
   */
  sequence?: number | string | null;
  /** The history that sequence belongs to, when the application names one. */
  history?: string;
  /** Bytes stored. */
  size?: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256?: string;
  /** Key of the data object (the manifest is `<objectKey>.json`). */
  objectKey?: string;
  bucket?: string;
  /** RFC 3339. */
  startedAt?: string;
  completedAt?: string;
  message?: string;
  observedGeneration?: number;
  conditions?: StatusCondition[];
}

export interface Backup {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: BackupSpec;
  status?: BackupStatus;
}

export interface BackupScheduleSpec {
  cluster: string;
  /** Five-field cron expression, in UTC: "0 3 * * *" (daily at 03:00), "*\/15 * * * *", or @hourly, @daily, @weekly… */
  schedule: string;
  /** Take no backups while true. */
  suspend?: boolean;
  /** Keep at most this many completed backups of this schedule (the newest). */
  keep?: number;
  /** Delete completed backups older than this (duration: "168h", "7d" is not a duration). */
  maxAge?: string;
  target?: BackupTarget;
  /** deletionPolicy of the Backups created; default Delete (retention removes the objects too). */
  deletionPolicy?: 'Retain' | 'Delete';
}

export interface BackupScheduleStatus {
  /** RFC 3339: the schedule time of the last backup created. */
  lastScheduleTime?: string;
  /** The last backup created. */
  lastBackup?: string;
  /** The newest backup of this schedule that completed. */
  lastSuccessfulBackup?: string;
  /** RFC 3339: the next schedule time. */
  nextScheduleTime?: string;
  message?: string;
  conditions?: StatusCondition[];
}

export interface BackupSchedule {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: BackupScheduleSpec;
  status?: BackupScheduleStatus;
}

/** status.restore of the RSS. */
export interface RestoreStatus {
  /** The backup being restored (a Backup name, or the object key). */
  backup: string;
  objectKey?: string;
  /** Why: spec.bootstrap, the restore annotation, or spec.backup.restoreOnDataLoss. */
  requestedBy: 'bootstrap' | 'annotation' | 'policy';
  phase: 'Waiting' | 'Restoring' | 'Restored' | 'Completed' | 'Failed';
  member?: string;
  /** The sequence the restored member reported (a number, or a decimal string above 2^53). */
  sequence?: number | string | null;
  history?: string;
  message?: string;
  /** RFC 3339. */
  startedAt?: string;
  completedAt?: string;
}

/** status.lastBackup of the RSS. */
export interface LastBackupStatus {
  name: string;
  completedAt: string;
  size: number;
  sequence?: number | string | null;
  history?: string;
  member?: string;
}

/** The manifest object written beside a backup's data once it is complete. */
export interface BackupManifest {
  format: 'rss-operator-backup/v1';
  namespace: string;
  cluster: string;
  backup: string;
  member: string;
  role: string;
  sequence: number | string | null;
  history?: string;
  size: number;
  sha256: string;
  startedAt: string;
  completedAt: string;
}
