// Backups in the end-to-end tests: a bucket of the local S3 server (versitygw) per test with the
// credentials Secret a cluster's spec.backup names, Backup resources, and reading what storage holds.
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { objectStore } from '../../controlplane/localcluster.ts';
import type { Backup, BackupPolicy } from '../../src/api/backup-types.ts';
import { API_VERSION, BACKUP_KIND, BACKUP_PLURAL, GROUP, LABEL_BACKUP_CLUSTER, VERSION } from '../../src/api/names.ts';
import { cluster, readUntil } from './cluster.ts';

export const CREDENTIALS_SECRET = 's3-credentials';

export interface TestStorage {
  bucket: string;
  s3: S3Client;
  /** spec.backup for a cluster in the test's namespace. */
  policy: BackupPolicy;
  /** Keys in the bucket, sorted. */
  keys(): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  write(key: string, body: Buffer | string): Promise<void>;
}

/** A fresh bucket and the credentials Secret in `namespace`; both go when the test ends. */
export async function testStorage(t: TestContext, namespace: string, opts: { secretAccessKey?: string; endpoint?: string } = {}): Promise<TestStorage> {
  const c = cluster();
  const store = objectStore();
  assert.ok(store, 'the local control plane runs without its S3 server: see .cache/controlplane/logs/s3.log');
  const s3 = new S3Client({ endpoint: store.endpoint, region: store.region, forcePathStyle: true, credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } });
  const bucket = `rss-${randomBytes(5).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await c.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { accessKeyId: store.accessKeyId, secretAccessKey: opts.secretAccessKey ?? store.secretAccessKey } },
  });
  const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  t.after(async () => {
    for (const key of await keys().catch(() => [])) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  });
  return {
    bucket,
    s3,
    policy: {
      storage: {
        s3: {
          endpoint: opts.endpoint ?? store.endpoint,
          bucket,
          region: store.region,
          forcePathStyle: true,
          credentials: { accessKeyId: { name: CREDENTIALS_SECRET, key: 'accessKeyId' }, secretAccessKey: { name: CREDENTIALS_SECRET, key: 'secretAccessKey' } },
        },
      },
    },
    keys,
    async read(key) {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    async write(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
  };
}

export async function createBackup(namespace: string, name: string, clusterName: string, spec: Partial<Backup['spec']> = {}): Promise<void> {
  await cluster().custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: BACKUP_PLURAL,
    body: { apiVersion: API_VERSION, kind: BACKUP_KIND, metadata: { name, labels: { [LABEL_BACKUP_CLUSTER]: clusterName } }, spec: { cluster: clusterName, ...spec } },
  });
}

export async function getBackup(namespace: string, name: string): Promise<Backup> {
  return (await cluster().custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_PLURAL, name })) as Backup;
}

export async function listBackups(namespace: string): Promise<Backup[]> {
  return ((await cluster().custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_PLURAL })) as { items: Backup[] }).items;
}

/** Waits until the Backup satisfies `check`; the failure shows its last status. */
export async function waitForBackup(namespace: string, name: string, what: string, check: (b: Backup) => boolean, timeoutMs = 60_000): Promise<Backup> {
  return await readUntil(what, () => getBackup(namespace, name), check, (last) => `last status of backup ${name}: ${JSON.stringify(last?.status, null, 1)}`, timeoutMs, 200);
}

export const ended = (b: Backup) => b.status?.phase === 'Completed' || b.status?.phase === 'Failed';
