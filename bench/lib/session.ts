// One operator session of a scenario whose trials are timed from the operator's trace: a fresh namespace
// under the benchmark's watch, one operator recording its API requests too (the operator's own share needs
// them), its CPU profiled over the trials with --cpu-prof, and everything removed afterwards whatever happens.
import type { BenchContext } from './context.ts';
import { createNamespace, deleteNamespace, NamespaceWatch } from './kube.ts';
import { startOperator, type OperatorProcess } from './operator.ts';
import { formatProfile, summariseProfile } from './profile.ts';

/** Runs `trials` in a traced operator session named `label`; returns the report's notes on the CPU profiles. */
export async function tracedOperatorSession(ctx: BenchContext, label: string, trials: (op: OperatorProcess, watch: NamespaceWatch) => Promise<void>): Promise<string[]> {
  const { c, o } = ctx;
  const ns = await createNamespace(c, label, ctx.runId);
  const watch = new NamespaceWatch(c, ns);
  let op: OperatorProcess | undefined;
  const notes: string[] = [];
  try {
    await watch.start();
    op = await startOperator(c, { namespaces: [ns], label, dir: ctx.dir, cpuProf: o.cpuProf, nodeOptions: o.nodeOptions, traceRequests: true });
    await op.startProfile();
    await trials(op, watch);
    const window = await op.stopProfile(label);
    if (window) notes.push(`CPU profile of the trials: ${formatProfile(summariseProfile(window, 12))}`);
  } finally {
    await op?.stop();
    await watch.stop();
    await deleteNamespace(c, ns);
  }
  if (op) for (const file of op.profiles()) notes.push(`CPU profile of the whole operator process (node --cpu-prof): ${file}`);
  return notes;
}
