// Stream pieces for moving a backup between a member and object storage without holding it in memory:
// a pass-through that counts and hashes what crosses it, and one that holds back the stream's last bytes
// until the whole stream's checksum is known to be right, so that a corrupted object reaches the `restore`
// command truncated (and fails it) rather than complete-looking.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Counts and SHA-256-hashes the bytes that pass through. */
export class Digest extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private hex?: string;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  /** Hex SHA-256 of everything that passed; only once the stream has ended. */
  sha256(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

export class ChecksumMismatchError extends Error {
  constructor(expected: string, actual: string, bytes: number) {
    super(`checksum mismatch: the backup records sha256 ${expected}, the object read has ${actual} (${bytes} bytes); the object is corrupted or was replaced`);
    this.name = 'ChecksumMismatchError';
  }
}

export class SizeMismatchError extends Error {
  constructor(expected: number, actual: number) {
    super(`size mismatch: the backup records ${expected} bytes, the object read has ${actual}`);
    this.name = 'SizeMismatchError';
  }
}

/**
 * Passes bytes on, except at least the last `tail` bytes, which are released only when the stream ends
 * with the expected SHA-256 and size. On a mismatch the stream errors instead, and the reader never gets
 * the end.
 */
export class VerifiedTail extends Transform {
  private readonly hash: Hash = createHash('sha256');
  /** The newest chunks, at least `tail` bytes of them once there are that many: not passed on yet. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private bytes = 0;
  private readonly expectedSha256: string;
  private readonly expectedSize: number | undefined;
  private readonly tail: number;

  constructor(expectedSha256: string, expectedSize?: number, tail = 64 * 1024) {
    super();
    this.expectedSha256 = expectedSha256.toLowerCase();
    this.expectedSize = expectedSize;
    this.tail = tail;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    // Whole chunks go on while what stays held is still at least the tail: nothing is copied.
    while (this.held.length > 1 && this.heldBytes - this.held[0]!.length >= this.tail) {
      const oldest = this.held.shift()!;
      this.heldBytes -= oldest.length;
      this.push(oldest);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      done(new SizeMismatchError(this.expectedSize, this.bytes));
      return;
    }
    if (actual !== this.expectedSha256) {
      done(new ChecksumMismatchError(this.expectedSha256, actual, this.bytes));
      return;
    }
    for (const chunk of this.held) this.push(chunk);
    this.held = [];
    done();
  }
}
