// Handles on the dummy application's state in a member's working folder (examples/dummy/bin/rss-dummy):
// its committed data, its running role and its injected faults.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cluster } from './cluster.ts';

/** Sets how much committed data the member holds (data/sequence). */
export function setSequence(namespace: string, pod: string, value: string): void {
  const dir = join(cluster().podDir(namespace, pod), 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sequence'), `${value}\n`);
}

/** Makes `command` misbehave in this member ("exit N", "hang", "garbage"), or behave again (undefined). */
export function setFault(namespace: string, pod: string, command: string, fault: string | undefined): void {
  const dir = join(cluster().podDir(namespace, pod), 'faults');
  if (fault === undefined) return rmSync(join(dir, command), { force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, command), `${fault}\n`);
}

/** The application in this member dies on its own (its role file goes), as a crash would. */
export function crashApplication(namespace: string, pod: string): void {
  rmSync(join(cluster().podDir(namespace, pod), 'run', 'role'), { force: true });
}

/** Deletes every member pod of cluster `name` at once (lights-out). */
export async function deleteAllPods(namespace: string, name = 'example'): Promise<void> {
  await cluster().core.deleteCollectionNamespacedPod({ namespace, labelSelector: `app=${name}`, gracePeriodSeconds: 0 });
}
