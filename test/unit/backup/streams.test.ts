// The checksum on the way in (Digest) and on the way out (VerifiedTail): a corrupted or truncated object
// never reaches the restore command whole.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { ChecksumMismatchError, Digest, SizeMismatchError, VerifiedTail } from '../../../src/backup/streams.ts';

function chunks(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

async function collect(source: Readable, through: NodeJS.ReadWriteStream): Promise<{ out: Buffer; error?: Error }> {
  const received: Buffer[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { received.push(chunk); done(); } });
  try {
    await pipeline(source, through, sink);
    return { out: Buffer.concat(received) };
  } catch (error) {
    return { out: Buffer.concat(received), error: error as Error };
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Digest', () => {
  it('passes every byte and reports their count and SHA-256', async () => {
    const data = randomBytes(300_000);
    const digest = new Digest();
    const { out } = await collect(chunks(data, 7_001), digest);
    assert.ok(out.equals(data));
    assert.equal(digest.bytes, data.length);
    assert.equal(digest.sha256(), sha(data));
  });
});

describe('VerifiedTail', () => {
  it('releases everything when the checksum and size match', async () => {
    const data = randomBytes(200_000);
    const { out, error } = await collect(chunks(data, 4096), new VerifiedTail(sha(data), data.length));
    assert.equal(error, undefined);
    assert.ok(out.equals(data));
  });

  it('a corrupted byte: the stream errors and the last 64 KiB are never passed on', async () => {
    const data = randomBytes(200_000);
    const bad = Buffer.from(data);
    bad.writeUInt8(bad.readUInt8(100) ^ 1, 100);
    const { out, error } = await collect(chunks(bad, 4096), new VerifiedTail(sha(data), data.length));
    assert.ok(error instanceof ChecksumMismatchError, String(error));
    assert.ok(out.length <= data.length - 64 * 1024, `at most ${data.length - 64 * 1024} bytes passed, got ${out.length}`);
  });

  it('a truncated object fails on its size, and a small one is held back whole', async () => {
    const data = randomBytes(50_000);
    const short = await collect(chunks(data.subarray(0, 49_000), 1000), new VerifiedTail(sha(data), data.length));
    assert.ok(short.error instanceof SizeMismatchError);
    assert.equal(short.out.length, 0, 'smaller than the tail: nothing released');
  });
});
