// The annotations an RSS is steered by: seed override, fenced members, restart, paused, and a restore
// request. Read leniently: only a seed override naming a pod outside the cluster is a problem.
import { quote } from './duration.ts';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_RESTORE, ANNOTATION_SEED_OVERRIDE, ANNOTATION_SWITCHOVER, ordinalOf, podName } from './names.ts';
import { isObject, type Collector } from './spec-values.ts';

/** What the annotations ask for; whether a restore can be carried out is for the spec to decide. */
export interface AnnotationRequests {
  seedOverride: string | undefined;
  fenced: string[];
  restart: string | undefined;
  /** The switchover annotation: the member to hand the primary role to. */
  switchover: string | undefined;
  pausedByAnnotation: boolean;
  /** The restore annotation: a Backup name, or "latest". */
  restoreAnnotation: string | undefined;
}

/** Reads metadata.annotations; `name` is metadata.name (member names are checked only when it is a string). */
export function readAnnotations(c: Collector, name: unknown, annotations: unknown): AnnotationRequests {
  // seed override
  let seedOverride: string | undefined;
  const override = isObject(annotations) ? annotations[ANNOTATION_SEED_OVERRIDE] : undefined;
  if (typeof override === 'string' && override.trim() !== '') {
    seedOverride = override.trim();
    if (typeof name === 'string' && ordinalOf(seedOverride, name) === undefined) {
      c.problem(
        `metadata.annotations[${ANNOTATION_SEED_OVERRIDE}]`,
        `names ${quote(seedOverride)}, which is not a member of this cluster: use a pod name such as ${podName(name, 0)}, or remove the annotation`,
      );
    }
  }

  // fenced members: names that are not members are ignored with a warning (fencing must never stop the
  // whole cluster's management because of a typo)
  const fenced: string[] = [];
  const fencedText = isObject(annotations) ? annotations[ANNOTATION_FENCED] : undefined;
  if (typeof fencedText === 'string') {
    for (const entry of fencedText.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
      if (typeof name === 'string' && ordinalOf(entry, name) === undefined) {
        c.warn(`metadata.annotations[${ANNOTATION_FENCED}]`, `names ${quote(entry)}, which is not a member of this cluster: ignored`);
      } else if (!fenced.includes(entry)) {
        fenced.push(entry);
      }
    }
  }
  const restartText = isObject(annotations) ? annotations[ANNOTATION_RESTART] : undefined;
  const restart = typeof restartText === 'string' && restartText.trim() !== '' ? restartText.trim() : undefined;
  const switchoverText = isObject(annotations) ? annotations[ANNOTATION_SWITCHOVER] : undefined;
  const switchover = typeof switchoverText === 'string' && switchoverText.trim() !== '' ? switchoverText.trim() : undefined;
  const pausedText = isObject(annotations) ? annotations[ANNOTATION_PAUSED] : undefined;
  let pausedByAnnotation = false;
  if (typeof pausedText === 'string' && pausedText.trim() !== '') {
    if (pausedText.trim() === 'true') pausedByAnnotation = true;
    else if (pausedText.trim() !== 'false') c.warn(`metadata.annotations[${ANNOTATION_PAUSED}]`, `must be "true" or "false", got ${quote(pausedText)}: ignored`);
  }
  const restoreText = isObject(annotations) ? annotations[ANNOTATION_RESTORE] : undefined;
  const restoreAnnotation = typeof restoreText === 'string' && restoreText.trim() !== '' ? restoreText.trim() : undefined;
  return { seedOverride, fenced, restart, switchover, pausedByAnnotation, restoreAnnotation };
}
