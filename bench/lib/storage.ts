// Object storage for the benchmark's backups: a bucket of the local control plane's S3 server (versitygw over
// a local folder, `objectStore()`) and, in the benchmark's namespace, the credentials Secret that a cluster's
// spec.backup names — what test/support/backup.ts does for the end-to-end tests, without a TestContext. The
// bucket goes at the end (`destroy`), and also when the process exits early (Ctrl-C): its folder is removed.
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { objectStore, type ObjectStore as LocalObjectStore } from '../../controlplane/localcluster.ts';
import type { BackupPolicy } from '../../src/api/backup-types.ts';
import type { Cluster } from './kube.ts';

export const CREDENTIALS_SECRET = 's3-credentials';

export interface BenchStorage {
  bucket: string;
  /** The local S3 server: endpoint, region, root credentials, its folder. */
  server: LocalObjectStore;
  s3: S3Client;
  /** spec.backup for a cluster in the namespace the storage was made for. */
  policy: BackupPolicy;
  /** Objects in the bucket. */
  list(): Promise<{ key: string; size: number }[]>;
  /** Deletes these keys (absent ones are fine). */
  remove(...keys: string[]): Promise<void>;
  /** Reads an object into a file; its size and how long it took. */
  download(key: string, file: string): Promise<{ bytes: number; ms: number }>;
  /** Deletes every object and the bucket. */
  destroy(): Promise<void>;
}

const leftBehind = new Set<string>();
let exitHook = false;

/** A fresh bucket of the local S3 server and the credentials Secret in `namespace`. */
export async function benchStorage(c: Cluster, namespace: string): Promise<BenchStorage> {
  const server = objectStore();
  if (!server) throw new Error('the local control plane runs without its S3 server (see .cache/controlplane/logs/s3.log); `npm run controlplane -- up` starts it');
  const s3 = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  const bucket = `rss-bench-${randomBytes(5).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const folder = join(server.dir, bucket);
  leftBehind.add(folder);
  if (!exitHook) {
    exitHook = true;
    // Ctrl-C: run.ts cleans up and exits; the bucket's folder (GiB of backups) must not stay behind.
    process.once('exit', () => {
      for (const dir of leftBehind) rmSync(dir, { recursive: true, force: true });
    });
  }
  await c.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
  });
  const list = async () => {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  };
  const remove = async (...keys: string[]) => {
    if (keys.length === 0) return;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
  };
  return {
    bucket,
    server,
    s3,
    policy: {
      storage: {
        s3: {
          endpoint: server.endpoint,
          bucket,
          region: server.region,
          forcePathStyle: true,
          credentials: { accessKeyId: { name: CREDENTIALS_SECRET, key: 'accessKeyId' }, secretAccessKey: { name: CREDENTIALS_SECRET, key: 'secretAccessKey' } },
        },
      },
    },
    list,
    remove,
    async download(key, file) {
      const started = performance.now();
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(answer.Body as Readable, createWriteStream(file));
      return { bytes: statSync(file).size, ms: performance.now() - started };
    },
    async destroy() {
      try {
        const keys = (await list()).map((o) => o.key);
        for (let i = 0; i < keys.length; i += 1000) await remove(...keys.slice(i, i + 1000));
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch {
        // the folder goes below anyway
      }
      s3.destroy();
      rmSync(folder, { recursive: true, force: true });
      leftBehind.delete(folder);
    },
  };
}
