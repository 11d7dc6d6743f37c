import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { HostctlError, firstLine } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";
import { deployApp, loggedProgress, type DeployResult } from "./apply.js";
import type { DeployOptions } from "./deploy-work.js";
import { lastDeployPath, type LastDeploy } from "./last-deploy.js";
import { lsRemote } from "./git.js";
import { readCurrent, readReleaseMeta } from "./releases.js";
import { rolledBackPath, type RolledBack } from "./rollback.js";
import { join } from "node:path";

/** Kept by the supervisor per app between polls (and shown in status). */
export interface PollState {
  checked_at?: string;
  /** Branch head at the last successful check. */
  head?: string;
  /** A commit whose deploy failed: not retried until the branch moves on. */
  failed?: { commit: string; at: string; error: string };
  /** The last check itself failed (remote unreachable …). */
  error?: string;
}

export type PollAction =
  "up-to-date" | "deployed" | "failed" | "skipped-failed" | "skipped-rolled-back" | "busy" | "no-branch" | "error";

export interface PollOutcome {
  state: PollState;
  action: PollAction;
  commit?: string;
  release?: string;
  error?: string;
}

/** The edges pollOnce talks to; tests hand in their own. */
export interface PollDeps {
  lsRemote(spec: AppSpec): Promise<string | undefined>;
  currentCommit(spec: AppSpec): Promise<string | undefined>;
  lastFailed(spec: AppSpec): Promise<LastDeploy | undefined>;
  /** The commit the last `hostctl rollback` switched away from. */
  rolledBackFrom(spec: AppSpec): Promise<string | undefined>;
  deploy(spec: AppSpec, commit: string): Promise<DeployResult>;
}

export function pollDeps(ctx: HostContext, deployOptions: Omit<DeployOptions, "ref"> = {}): PollDeps {
  return {
    lsRemote: (spec) => lsRemote(ctx.run, spec.repo, spec.branch),
    currentCommit: async (spec) => {
      const app = appPaths(ctx.paths, spec.name);
      const current = await readCurrent(app);
      return current ? (await readReleaseMeta(join(app.releases, current)))?.commit : undefined;
    },
    lastFailed: async (spec) => {
      const last = await readJsonFile<LastDeploy>(lastDeployPath(appPaths(ctx.paths, spec.name)));
      return last && !last.ok ? last : undefined;
    },
    rolledBackFrom: async (spec) =>
      (await readJsonFile<RolledBack>(rolledBackPath(appPaths(ctx.paths, spec.name))))?.from_commit,
    deploy: (spec, commit) =>
      deployApp(spec, ctx, {
        command: "hostctl up (git poll)",
        progress: loggedProgress(ctx, spec.name),
        ...deployOptions,
        ref: commit,
      }),
  };
}

/** A head whose deploy failed, or that was rolled back from, is not retried until the branch
 * moves, so a broken commit does not redeploy every interval. */
export async function pollOnce(
  spec: AppSpec,
  ctx: HostContext,
  state: PollState,
  deps: PollDeps = pollDeps(ctx),
): Promise<PollOutcome> {
  const checkedAt = ctx.clock.now().toISOString();
  let head: string | undefined;
  try {
    head = await deps.lsRemote(spec);
  } catch (error) {
    const message = firstLine(error);
    return { state: { ...state, checked_at: checkedAt, error: message }, action: "error", error: message };
  }
  const base: PollState = { ...state, checked_at: checkedAt };
  delete base.error;
  if (head === undefined) return { state: base, action: "no-branch" };
  base.head = head;
  if ((await deps.currentCommit(spec)) === head)
    return { state: withoutFailure(base), action: "up-to-date", commit: head };
  if ((await deps.rolledBackFrom(spec)) === head)
    return { state: withoutFailure(base), action: "skipped-rolled-back", commit: head };
  const failedBefore = state.failed?.commit === head ? state.failed : await failedOnDisk(deps, spec, head);
  if (failedBefore)
    return {
      state: { ...base, failed: failedBefore },
      action: "skipped-failed",
      commit: head,
      error: failedBefore.error,
    };
  try {
    const result = await deps.deploy(spec, head);
    const next = { ...base };
    delete next.failed;
    return { state: next, action: "deployed", commit: head, release: result.release };
  } catch (error) {
    if (error instanceof HostctlError && error.code === "DEPLOY_LOCKED")
      return { state: base, action: "busy", commit: head, error: error.message };
    const failed = { commit: head, at: checkedAt, error: firstLine(error) };
    return { state: { ...base, failed }, action: "failed", commit: head, error: failed.error };
  }
}

async function failedOnDisk(deps: PollDeps, spec: AppSpec, head: string): Promise<PollState["failed"]> {
  const last = await deps.lastFailed(spec);
  return last && last.commit === head
    ? { commit: head, at: last.at, error: last.error ?? `failed at ${last.step ?? "?"}` }
    : undefined;
}

function withoutFailure(state: PollState): PollState {
  const next = { ...state };
  delete next.failed;
  return next;
}
