import type { StepName } from "./plan.js";

/** Steps run one after another in a lane; the lanes of a stage run at once; stages run in order. */
export type Stage = StepName[][];

/** Pure: restore runs beside checkout and build (the build needs no database). The snapshot stays
 * before the release phase unless no release can be writing; then it follows the restore. */
export function deployStages(steps: readonly StepName[], noReleaseRunning: boolean): Stage[] {
  const rest = steps
    .filter((s) => !["fetch", "checkout", "build", "restore", "snapshot"].includes(s))
    .map((s) => [[s]]);
  if (!steps.includes("restore")) return steps.map((s) => [[s]]);
  const build: StepName[] = ["checkout", "build"];
  if (noReleaseRunning) return [[["fetch"]], [build, ["restore", "snapshot"]], ...rest];
  return [[["fetch"]], [build, ["restore"]], [["snapshot"]], ...rest];
}

/** Plan order, for the records of steps that ran side by side. */
export function planOrder<T extends { name: StepName }>(records: T[], steps: readonly StepName[]): T[] {
  return [...records].sort((a, b) => steps.indexOf(a.name) - steps.indexOf(b.name));
}
