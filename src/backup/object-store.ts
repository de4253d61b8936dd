// S3-compatible object storage for backups, through the AWS SDK (request signing, multipart upload and
// retries are the SDK's). A backup is two objects: `<key>` (the data, uploaded in parts as it streams
// from the member) and `<key>.json` (the manifest), written only after the data is complete and its
// checksum known: an object without a manifest is not a backup, and nothing is restored from it.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import type { Readable } from 'node:stream';
import type { BackupManifest } from '../api/backup-types.ts';
import type { ResolvedS3Storage } from '../api/backup-spec.ts';

/** Where and as whom: the resolved storage with the Secret values read. */
export interface StorageAccess {
  storage: ResolvedS3Storage;
  accessKeyId: string;
  secretAccessKey: string;
  /** PEM bundle to trust, when storage.ca is set. */
  ca?: string;
}

/** 8 MiB parts, 2 uploading at once: the upload holds at most about 3 parts in memory whatever the backup's size. */
export const PART_SIZE = 8 * 1024 * 1024;
export const QUEUE_SIZE = 2;

export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** One line a person can act on, from whatever the SDK threw. */
export function describeStorageError(error: unknown, what: string, access: StorageAccess): string {
  const where = `${access.storage.endpoint ?? 'AWS S3'} bucket ${access.storage.bucket}`;
  if (error instanceof S3ServiceException) {
    const code = error.name;
    const status = error.$metadata?.httpStatusCode;
    if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || status === 403) {
      return `${what}: ${where} refused the credentials (${code}); check the Secret named in spec.backup.storage.s3.credentials`;
    }
    if (code === 'NoSuchBucket') return `${what}: ${where} does not exist; create the bucket`;
    if (code === 'NoSuchKey' || status === 404) return `${what}: not found in ${where}`;
    return `${what}: ${where} answered ${code}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
  }
  const err = error as { code?: string; message?: string };
  if (err?.code === 'ECONNREFUSED' || err?.code === 'ENOTFOUND' || err?.code === 'ETIMEDOUT' || err?.code === 'ECONNRESET') {
    return `${what}: cannot reach ${where} (${err.code}); check spec.backup.storage.s3.endpoint and that the storage is up`;
  }
  return `${what}: ${where}: ${err?.message ?? String(error)}`;
}

export class ObjectStore {
  readonly access: StorageAccess;
  private readonly client: S3Client;

  constructor(access: StorageAccess) {
    this.access = access;
    const { storage } = access;
    const https = !storage.endpoint || storage.endpoint.startsWith('https:');
    this.client = new S3Client({
      region: storage.region,
      forcePathStyle: storage.forcePathStyle,
      credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
      ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
      // A storage outage must fail a backup in seconds, not after minutes of retries.
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 120_000,
        ...(https ? { httpsAgent: new HttpsAgent({ keepAlive: true, ...(access.ca ? { ca: access.ca } : {}) }) } : { httpAgent: new HttpAgent({ keepAlive: true }) }),
      },
    });
  }

  /** The full key of a backup's data object. */
  keyFor(namespace: string, cluster: string, backup: string): string {
    return `${this.access.storage.prefix}${namespace}/${cluster}/${backup}`;
  }

  /** Fails with a clear StorageError when the bucket cannot be reached or the credentials are refused. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.access.storage.bucket }));
    } catch (error) {
      throw new StorageError(describeStorageError(error, 'checking the bucket', this.access), { cause: error });
    }
  }

  /**
   * Uploads `body` to `key` in parts as it arrives. Pulling from `body` only as fast as parts are sent is
   * what holds the producer back (backpressure). When `body` errors, the multipart upload is aborted: no
   * object appears.
   */
  async upload(key: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.access.storage.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      throw new StorageError(describeStorageError(error, `uploading ${key}`, this.access), { cause: error });
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** The data object as a stream. */
  async download(key: string): Promise<Readable> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.access.storage.bucket, Key: key }));
      return answer.Body as Readable;
    } catch (error) {
      throw new StorageError(describeStorageError(error, `reading ${key}`, this.access), { cause: error });
    }
  }

  async putManifest(key: string, manifest: BackupManifest): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.access.storage.bucket, Key: `${key}.json`, Body: JSON.stringify(manifest, null, 2), ContentType: 'application/json' }),
      );
    } catch (error) {
      throw new StorageError(describeStorageError(error, `writing the manifest of ${key}`, this.access), { cause: error });
    }
  }

  /** The manifest of the backup at `key`; a StorageError saying so when there is none (the backup is not complete). */
  async manifest(key: string): Promise<BackupManifest> {
    let text: string;
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.access.storage.bucket, Key: `${key}.json` }));
      text = (await answer.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NoSuchKey') {
        throw new StorageError(`${key} has no manifest (${key}.json) in bucket ${this.access.storage.bucket}: it is not a complete backup`, { cause: error });
      }
      throw new StorageError(describeStorageError(error, `reading the manifest of ${key}`, this.access), { cause: error });
    }
    try {
      const parsed = JSON.parse(text) as BackupManifest;
      if (parsed.format !== 'rss-operator-backup/v1' || typeof parsed.sha256 !== 'string' || typeof parsed.size !== 'number') throw new Error('unexpected fields');
      return parsed;
    } catch (error) {
      throw new StorageError(`the manifest ${key}.json is not a backup manifest (${(error as Error).message})`);
    }
  }

  /** Deletes a backup's data and manifest (absent ones are fine). */
  async delete(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.access.storage.bucket, Delete: { Objects: [{ Key: `${key}.json` }, { Key: key }], Quiet: true } }),
      );
    } catch (error) {
      throw new StorageError(describeStorageError(error, `deleting ${key}`, this.access), { cause: error });
    }
  }

  /** Keys under `prefix` (for tests and tools). */
  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.access.storage.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  destroy(): void {
    this.client.destroy();
  }
}
