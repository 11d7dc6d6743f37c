import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { appPaths, type AppPaths } from "../config/paths.js";
import { appendDeployEvent } from "./deploy-history.js";
import type { AppSpec } from "../config/schema.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import { acquireDeployLock } from "./lock.js";
import { guardRollbackMigrations } from "./migration-guard.js";
import { proveTemporarily } from "./prove.js";
import { listReleases, previousRelease, readCurrent, type ReleaseInfo } from "./releases.js";
import { failureMessage, runStep, StepFailure, type StepRecord } from "./steps.js";
import { connectSupervisor, switchSummary, type SupervisorLink } from "./supervisor-link.js";
import { switchCurrent } from "./switch.js";

export interface RollbackOptions {
  to?: string;
  supervisor?: SupervisorLink | null;
  /** Roll back even across migrations the target release lacks. */
  force?: boolean;
  /** Where the step lines go (the CLI's stderr); none: nowhere. */
  progress?: (line: string) => void;
}

export interface RollbackResult {
  app: string;
  from: string | undefined;
  to: string;
  commit: string;
  steps: StepRecord[];
  gap_s?: number;
  switch?: string;
}

/** Pure: a release id or a commit prefix naming exactly one release; default the previous one. */
export function pickRollbackTarget(
  releases: readonly ReleaseInfo[],
  current: string | undefined,
  to: string | undefined,
): ReleaseInfo {
  if (to === undefined) {
    const previous = previousRelease(releases, current);
    if (!previous)
      throw new HostctlError("RELEASE_NOT_FOUND", "there is no previous release to roll back to", {
        hint: "list them: hostctl releases NAME",
      });
    return previous;
  }
  const matches = releases.filter((r) => r.id === to || (to.length >= 4 && r.commit.startsWith(to)));
  const exact = matches.find((r) => r.id === to);
  if (exact) return exact;
  if (matches.length === 1 && matches[0]) return matches[0];
  const why =
    matches.length === 0
      ? "no release has that id or commit"
      : `${matches.length} releases match (${matches.map((r) => r.id).join(", ")})`;
  throw new HostctlError("RELEASE_NOT_FOUND", `argument --to "${to}": ${why}`, {
    exitCode: 2,
    hint: "list them: hostctl releases NAME",
  });
}

/** apps/<app>/rolled-back.json: the release and commit the last rollback left. */
export interface RolledBack {
  from_release: string;
  from_commit: string;
  to: string;
  at: string;
}

export function rolledBackPath(app: AppPaths): string {
  return join(app.root, "rolled-back.json");
}

/** Code only: databases stay, so migrations must be backward compatible (as Django asks). */
export async function rollbackApp(
  spec: AppSpec,
  ctx: HostContext,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const progress = options.progress ?? ((): void => undefined);
  const app = appPaths(ctx.paths, spec.name);
  const lock = await acquireDeployLock(
    ctx.paths,
    spec.name,
    {
      pid: process.pid,
      started_at: ctx.clock.now().toISOString(),
      ref: options.to ?? "previous",
      command: "hostctl rollback",
    },
    ctx.clock.now(),
  );
  try {
    const current = await readCurrent(app);
    const releases = await listReleases(app);
    const target = pickRollbackTarget(releases, current, options.to);
    if (target.id === current)
      throw new HostctlError("RELEASE_NOT_FOUND", `${target.id} is already the current release of ${spec.name}`, {
        exitCode: 2,
      });
    if (!options.force) await guardRollbackMigrations(spec, ctx, target);
    const supervisor =
      options.supervisor === undefined ? await connectSupervisor(ctx.paths) : (options.supervisor ?? undefined);
    const steps: StepRecord[] = [];
    const started = Date.now();
    const event = (failure?: StepFailure) =>
      appendDeployEvent(app, {
        kind: "rollback",
        ok: failure === undefined,
        at: ctx.clock.now().toISOString(),
        commit: target.commit,
        release: target.id,
        ...(current ? { from: current } : {}),
        steps,
        duration_ms: Date.now() - started,
        ...(failure ? { failed_step: failure.step, error: failure.message } : {}),
      });
    let gap: number | undefined;
    let summary: string | undefined;
    // Before the switch: a poll that sees the older release live also sees the commit to skip.
    const putBack = await recordRolledBack(
      app,
      releases.find((r) => r.id === current)?.commit,
      current,
      target.id,
      ctx.clock.now(),
    );
    try {
      if (supervisor) {
        await runStep("activate", steps, progress, async () => {
          const result = await supervisor.activate(spec.name, { release: target.id, releaseDir: target.dir });
          gap = result.gap_s;
          if (!result.ok)
            throw new StepFailure(
              "activate",
              `the supervisor could not activate ${target.id}: ${result.error ?? "health check failed"}`,
              "",
            );
          summary = switchSummary(result);
          return summary;
        });
      } else {
        await runStep("start", steps, progress, async () => {
          const proved = await proveTemporarily(spec, ctx, target.dir);
          await proved.stopped;
          return proved.skipped ?? "healthy";
        });
        await runStep("switch", steps, progress, async () => {
          await switchCurrent(app, target.dir, ctx.clock.now());
          return `current → releases/${target.id}`;
        });
      }
    } catch (error) {
      await putBack();
      if (error instanceof StepFailure) await event(error);
      if (error instanceof StepFailure)
        throw new HostctlError("DEPLOY_FAILED", failureMessage(spec.name, error).replace(/^deploy/, "rollback"), {
          cause: error,
          hint: `${current ?? "the current release"} is still current`,
        });
      throw error;
    }
    await event();
    return {
      app: spec.name,
      from: current,
      to: target.id,
      commit: target.commit,
      steps,
      ...(gap === undefined ? {} : { gap_s: gap }),
      ...(summary === undefined ? {} : { switch: summary }),
    };
  } finally {
    await lock.release();
  }
}

/** Polling skips the rolled-away commit until the branch moves; returns an undo for no switch. */
async function recordRolledBack(
  app: AppPaths,
  fromCommit: string | undefined,
  current: string | undefined,
  to: string,
  now: Date,
): Promise<() => Promise<void>> {
  if (!fromCommit) return () => Promise.resolve();
  const path = rolledBackPath(app);
  const earlier = await readJsonFile<RolledBack>(path);
  const record: RolledBack = { from_release: current ?? "", from_commit: fromCommit, to, at: now.toISOString() };
  await writeJsonFile(path, record);
  return () => (earlier ? writeJsonFile(path, earlier) : rm(path, { force: true }));
}
