import type { StepName } from "./plan.js";

/** Steps run one after another in a lane; the lanes of a stage run at once; stages run in order. */
export type Stage = StepName[][];

/**
 * Pure: the planned steps (plan.ts) as stages, overlapping what does not depend on each other. After the
 * fetch (a refused or unknown ref restores nothing; the fetch names the release), the database check/restore
 * runs beside the checkout and the build (the build needs the checked-out tree, not the database; a restore
 * that fails lets the build end first, and its venv serves the next deploy). The snapshot stays right before
 * the release phase while an old release may be writing. When none can be (a first release, or no supervisor
 * running any release of the app), nothing but Litestream writes the database, so the snapshot follows the
 * restore in its lane, beside the build.
 */
export function deployStages(steps: readonly StepName[], noReleaseRunning: boolean): Stage[] {
  const rest = steps.filter((s) => !["fetch", "checkout", "build", "restore", "snapshot"].includes(s)).map((s) => [[s]]);
  if (!steps.includes("restore")) return steps.map((s) => [[s]]);
  const build: StepName[] = ["checkout", "build"];
  if (noReleaseRunning) return [[["fetch"]], [build, ["restore", "snapshot"]], ...rest];
  return [[["fetch"]], [build, ["restore"]], [["snapshot"]], ...rest];
}

/** Plan order, for the records of steps that ran side by side. */
export function planOrder<T extends { name: StepName }>(records: T[], steps: readonly StepName[]): T[] {
  return [...records].sort((a, b) => steps.indexOf(a.name) - steps.indexOf(b.name));
}
