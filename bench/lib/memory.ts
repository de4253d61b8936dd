// Resident memory of a process over time: VmRSS from /proc/<pid>/status every `intervalMs` (a 5-line read,
// nothing else), kept in memory for windows to be cut out of it later, and written to a TSV file at the end.
import { readFileSync, writeFileSync } from 'node:fs';
import { max, median } from './stats.ts';

export interface RssSample {
  at: number;
  rssBytes: number;
}

export function vmRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

export class RssSampler {
  readonly pid: number;
  readonly samples: RssSample[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Marks to put into the TSV file (what happened when). */
  private readonly marks: { at: number; what: string }[] = [];

  constructor(pid: number, intervalMs = 150) {
    this.pid = pid;
    const sample = () => {
      try {
        this.samples.push({ at: Date.now(), rssBytes: vmRss(pid) });
      } catch {
        // the process is gone
      }
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
  }

  mark(what: string, at = Date.now()): void {
    this.marks.push({ at, what });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Samples taken within [from, to]. */
  between(from: number, to: number): number[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rssBytes);
  }

  /** Median of [idleFrom, idleTo] (the idle level), highest of [from, to], and the difference. */
  window(idleFrom: number, idleTo: number, from: number, to: number): { idleBytes: number; peakBytes: number; growthBytes: number; samples: number } {
    const idleBytes = median(this.between(idleFrom, idleTo));
    const during = this.between(from, to);
    const peakBytes = max(during);
    return { idleBytes, peakBytes, growthBytes: peakBytes - idleBytes, samples: during.length };
  }

  /** "ms-since-first-sample<TAB>MiB<TAB>mark" lines. */
  write(file: string): void {
    const t0 = this.samples[0]?.at ?? 0;
    const marks = [...this.marks].sort((a, b) => a.at - b.at);
    const lines = ['ms\tvmrss_mib\tmark'];
    let m = 0;
    for (const s of this.samples) {
      const labels: string[] = [];
      while (m < marks.length && marks[m]!.at <= s.at) labels.push(marks[m++]!.what);
      lines.push(`${s.at - t0}\t${(s.rssBytes / 1024 / 1024).toFixed(1)}\t${labels.join('; ')}`);
    }
    writeFileSync(file, lines.join('\n') + '\n');
  }
}
