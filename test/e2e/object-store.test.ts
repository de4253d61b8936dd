// The local control plane's S3 server (versitygw), where backups go: a bucket, a multipart upload read
// back intact, listing and deletion, through the AWS SDK as a backup would use it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { objectStore, type ObjectStore } from '../../controlplane/localcluster.ts';
import { cluster } from '../support/cluster.ts';

const MiB = 1024 * 1024;

function store(): ObjectStore {
  cluster(); // fails with the reason when the control plane is not up
  const s = objectStore();
  assert.ok(s, 'the local control plane runs without its S3 server (component s3): see .cache/controlplane/logs/s3.log');
  return s;
}

function client(s: ObjectStore, credentials = { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }): S3Client {
  // Path-style: buckets are not host names on 127.0.0.1.
  return new S3Client({ endpoint: s.endpoint, region: s.region, credentials, forcePathStyle: true });
}

/** A fresh bucket, removed with whatever is left in it when the test ends. */
async function testBucket(t: TestContext, s3: S3Client): Promise<string> {
  const bucket = `rss-e2e-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  t.after(async () => {
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
    for (const o of left?.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  });
  return bucket;
}

test('a 20 MiB multipart upload is stored, listed, read back byte for byte, and deleted', async (t) => {
  const s = store();
  const s3 = client(s);
  const bucket = await testBucket(t, s3);
  const key = 'backups/app-0/backup.tar';
  const data = randomBytes(20 * MiB);
  const sha256 = createHash('sha256').update(data).digest('hex');

  // A stream, as a backup's output would be: lib-storage cuts it into 5 MiB parts.
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: Readable.from(chunks(data, MiB)), ContentType: 'application/x-tar' },
    partSize: 5 * MiB,
    queueSize: 2,
  });
  const parts: number[] = [];
  upload.on('httpUploadProgress', (p) => { if (p.part !== undefined && !parts.includes(p.part)) parts.push(p.part); });
  const done = await upload.done();
  assert.equal(parts.length, 4, 'uploaded in four 5 MiB parts');
  // A multipart object's ETag ends with its part count.
  assert.match(done.ETag ?? '', /-4"?$/);

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'backups/' }));
  assert.deepEqual(listed.Contents?.map((o) => [o.Key, o.Size]), [[key, data.length]]);
  // The posix backend keeps the object as a plain file under the store's folder.
  assert.equal(statSync(join(s.dir, bucket, key)).size, data.length);

  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  assert.equal(got.ContentLength, data.length);
  const hash = createHash('sha256');
  for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
  assert.equal(hash.digest('hex'), sha256, 'the object read back is the one uploaded');

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.equal(after.KeyCount, 0);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404);
});

test('a request signed with other credentials is refused', async () => {
  const s = store();
  const stranger = client(s, { accessKeyId: s.accessKeyId, secretAccessKey: 'not-the-secret' });
  try {
    await assert.rejects(stranger.send(new ListBucketsCommand({})), (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 403);
  } finally {
    stranger.destroy();
  }
});

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}
