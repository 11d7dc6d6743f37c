import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { writeJsonFile } from "../lib/json-file.js";
import type { StepName } from "./plan.js";
import type { Work } from "./deploy-work.js";

/** Written after every attempt; polling reads it so a failed commit is not retried in a loop. */
export interface LastDeploy {
  ok: boolean;
  at: string;
  ref: string;
  commit?: string;
  release?: string;
  step?: StepName;
  error?: string;
}

export function lastDeployPath(app: AppPaths): string {
  return join(app.root, "last-deploy.json");
}

export async function recordLastDeploy(work: Work, record: LastDeploy): Promise<void> {
  await writeJsonFile(lastDeployPath(work.app), record).catch(() => undefined);
}
