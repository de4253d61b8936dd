// Which member a backup is taken from. Pure: the backup controller gives what it knows of the members.
//
// Never from a member that is not running healthy (its data may be behind or inconsistent). By default a
// running secondary is preferred, so that the primaries' clients do not pay for the copy; with target
// `primary`, or when no secondary runs, a primary. Among equals, the highest ordinal: a stable choice, away
// from ordinal 0, which seeds first when members tie.
import type { Role } from './types.ts';

export interface BackupCandidate {
  name: string;
  ordinal: number;
  role: Role;
  /** The pod is Running, the member's last status was healthy, it has no failures and is not fenced. */
  healthy: boolean;
}

export type BackupTargetChoice = { member: string; role: 'primary' | 'secondary' } | { wait: string };

export function chooseBackupMember(candidates: readonly BackupCandidate[], target: 'prefer-secondary' | 'primary'): BackupTargetChoice {
  const healthy = candidates.filter((c) => c.healthy && (c.role === 'primary' || c.role === 'secondary'));
  const byOrdinal = (a: BackupCandidate, b: BackupCandidate) => b.ordinal - a.ordinal;
  const primaries = healthy.filter((c) => c.role === 'primary').sort(byOrdinal);
  const secondaries = healthy.filter((c) => c.role === 'secondary').sort(byOrdinal);
  const order = target === 'primary' ? primaries : [...secondaries, ...primaries];
  const chosen = order[0];
  if (chosen !== undefined) return { member: chosen.name, role: chosen.role as 'primary' | 'secondary' };
  const states = candidates.map((c) => `${c.name} (${c.healthy ? c.role : `${c.role}, not healthy`})`).join(', ');
  return {
    wait:
      target === 'primary'
        ? `no primary is running healthy${states ? `: ${states}` : ''}; waiting for one`
        : `no member is running healthy${states ? `: ${states}` : ''}; waiting for one`,
  };
}
