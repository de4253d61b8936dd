// Text helpers of the kubectl plugin, shaped like kubectl's own output: tables whose columns are as wide
// as their widest cell and separated by two spaces, and ages as `kubectl get` prints them.

/**
 * Lays out rows (the first one is the header) as kubectl does: each column as wide as its widest cell,
 * two spaces between columns, no padding after the last one. Every line starts with `indent`.
 */
export function table(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows.map((row) => {
    const cells = row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))));
    return (indent + cells.join('  ')).trimEnd();
  });
}

/** Display width: code points (the texts here are names, numbers and ASCII messages). */
function width(text: string): number {
  return [...text].length;
}

/**
 * A duration as `kubectl get` shows ages (k8s.io/apimachinery/pkg/util/duration.HumanDuration):
 * `45s`, `3m20s`, `25m`, `5h10m`, `20h`, `3d4h`, `40d`, `2y10d`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** How long ago an RFC 3339 time was, as an age; `-` when the time is absent or unparsable. */
export function age(time: string | undefined | null, now: Date): string {
  if (!time) return '-';
  const at = Date.parse(time);
  if (Number.isNaN(at)) return '-';
  return humanDuration(now.getTime() - at);
}

/** How long until an RFC 3339 time, as an age (`in 15h`); `-` when absent, `now` once it has passed. */
export function until(time: string | undefined | null, now: Date): string {
  if (!time) return '-';
  const at = Date.parse(time);
  if (Number.isNaN(at)) return '-';
  return at <= now.getTime() ? 'now' : `in ${humanDuration(at - now.getTime())}`;
}

/** Bytes in binary units as people read them: `512 B`, `1.5 KiB`, `12 MiB`, `1.2 GiB`. */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  // One decimal below 10, so 1.5 GiB and 9.9 MiB are not rounded to a misleading whole number.
  const text = value < 10 ? value.toFixed(1) : value.toFixed(0);
  // 1023.96 KiB rounds to "1024 KiB": say 1.0 MiB instead.
  if (text === '1024' && unit < units.length - 1) return `1.0 ${units[unit + 1]}`;
  return `${text} ${units[unit]}`;
}

/**
 * A sequence as the status stores it (a number, or a decimal string above 2^53, and its history apart), as
 * shown: a number while it is one and has no history, else the exact text `<history>:<number>`.
 */
export function shownSequence(value: unknown, history?: string | null): number | string | null {
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  if (typeof value === 'string' && !/^[0-9]+$/.test(value)) return null;
  if (typeof history === 'string' && history !== '') return `${history}:${value}`;
  return value;
}
