import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { errorMessage } from "../lib/errors.js";
import { appendBoundedLine, parseJsonLines } from "../lib/json-lines.js";
import type { Work } from "./deploy-work.js";
import { StepFailure, type StepRecord } from "./steps.js";

/** Deploys and rollbacks kept for the status page; rewritten down to this many at twice as many. */
export const DEPLOY_HISTORY = 100;

/** One deploy or rollback, with its steps' times (a failed one names the step that failed). */
export interface DeployEvent {
  kind: "deploy" | "rollback";
  ok: boolean;
  at: string;
  ref?: string;
  commit?: string;
  release?: string;
  from?: string;
  steps: StepRecord[];
  duration_ms: number;
  failed_step?: string;
  error?: string;
}

export function deployHistoryPath(app: AppPaths): string {
  return join(app.root, "deploys.jsonl");
}

/** Never throws: a deploy never fails because its history could not be written. */
export async function appendDeployEvent(app: AppPaths, event: DeployEvent): Promise<void> {
  // The deploy's own result and last-deploy.json still say what happened.
  await appendBoundedLine(deployHistoryPath(app), event, DEPLOY_HISTORY).catch(() => undefined);
}

/** The last `last` deploys and rollbacks, oldest first, skipping a torn line. */
export async function readDeployHistory(app: AppPaths, last = 20): Promise<DeployEvent[]> {
  const text = await readFile(deployHistoryPath(app), "utf8").catch(() => "");
  return parseJsonLines<DeployEvent>(text, (value) => typeof value.kind === "string").slice(-last);
}

/** The steps that ran and, on failure, the failed step and its error. */
export function recordDeployEvent(
  work: Work,
  steps: StepRecord[],
  durationMs: number,
  failure?: unknown,
): Promise<void> {
  return appendDeployEvent(work.app, {
    kind: "deploy",
    ok: failure === undefined,
    at: work.ctx.clock.now().toISOString(),
    ref: work.ref,
    ...(work.commit ? { commit: work.commit.sha } : {}),
    ...(work.release ? { release: work.release } : {}),
    ...(work.previous ? { from: work.previous } : {}),
    steps: [...steps],
    duration_ms: durationMs,
    ...(failure instanceof StepFailure ? { failed_step: failure.step } : {}),
    ...(failure === undefined ? {} : { error: errorMessage(failure) }),
  });
}
