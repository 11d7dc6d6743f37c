import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { releaseProcesses } from "../apps/procfile.js";
import { appPaths, type AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { HostctlError, errorMessage, firstLine, stderrTailOf } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { writeJsonFile } from "../lib/json-file.js";
import { ensureDatabases, refreshLitestreamConfigs } from "../restore/restore-app.js";
import { buildRelease, type BuildResult } from "./build.js";
import { buildSummary, venvOptions } from "./build-options.js";
import { preflight } from "./preflight-step.js";
import { fetchMirror, materialise, PUSH_REFSPECS, refCandidates, resolveCommit, type Commit } from "./git.js";
import { acquireDeployLock } from "./lock.js";
import { planDeploy, releaseCommands, type ActivationMode, type StepName } from "./plan.js";
import { releaseId } from "./release-id.js";
import { runReleasePhase } from "./release-phase.js";
import { isLitefsApp } from "../litefs/paths.js";
import { isLitefsReplica, litefsReleaseCommands } from "../litefs/release.js";
import { pruneReleases, readCurrent, writeReleaseMeta } from "./releases.js";
import { pruneSnapshots, restoreChanged, snapshotDatabases, type Snapshot } from "./snapshot.js";
import { failureMessage, outputCollector, runStep, StepFailure, type StepRecord } from "./steps.js";
import { connectSupervisor, litestreamRefusal, switchSummary, type SupervisorLink } from "./supervisor-link.js";
import { mediaRefusal } from "../media/guard.js";
import { proveTemporarily, releaseEnv } from "./prove.js";
import { switchCurrent } from "./switch.js";
import { redactUserInfo } from "../lib/redact-url.js";
import { refuseAlreadyLive } from "./already-live.js";
import { deployStages, planOrder } from "./stages.js";

export interface DeployOptions {
  ref?: string;
  /** Run the release phase even when Litestream is down or behind. */
  force?: boolean;
  /** The ref was pushed to push.git (post-receive hook): fetch from there, not from the upstream. */
  fromPush?: boolean;
  /** undefined: look for `hostctl up` on the control socket; null: act as if none runs. */
  supervisor?: SupervisorLink | null;
  /** Shown to a second deploy that finds the lock held. */
  command?: string;
  /** Where the deploy's step lines and command output go (the CLI's stderr); none: nowhere. */
  progress?: (line: string) => void;
}

export interface DeployResult {
  app: string;
  release: string;
  commit: string;
  message: string;
  ref: string;
  mode: ActivationMode;
  previous: string | undefined;
  steps: StepRecord[];
  duration_ms: number;
  /** Supervisor mode: seconds the web port had no server (old stopped → new healthy). */
  gap_s?: number;
  /** Temporary mode: start of the new web process to its first healthy answer. */
  health_ms?: number;
  /** Supervisor mode: how the switch went (behind the proxy: the upstream change and the old release's drain). */
  switch?: string;
  build?: BuildResult;
  pruned: string[];
}

/** Written after every deploy attempt; polling reads it so a failed commit is not retried in a loop. */
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

const quiet = (): void => undefined;

/** A deploy run by the supervisor (polling, first deploy): its step lines go to the supervisor's log. */
export function loggedProgress(ctx: Pick<HostContext, "log">, app: string): (line: string) => void {
  return (line) => ctx.log.info({ event: "deploy.progress", app }, line.trimEnd());
}

function progressOf(work: Work): (line: string) => void {
  return work.options.progress ?? quiet;
}

interface Work {
  spec: AppSpec;
  ctx: HostContext;
  app: AppPaths;
  options: DeployOptions;
  supervisor: SupervisorLink | undefined;
  ref: string;
  previous: string | undefined;
  commit?: Commit;
  release?: string;
  dir?: string;
  env?: Record<string, string>;
  processes?: Record<string, string>;
  snapshots: Snapshot[];
  build?: BuildResult;
  gap_s?: number;
  switch?: string;
  health_ms?: number;
  pruned: string[];
}

/** The deploy lock and the deploy's state; every program the deploy runs is recorded in the lock. */
async function openDeploy(spec: AppSpec, ctx: HostContext, options: DeployOptions): Promise<{ work: Work; release: () => Promise<void> }> {
  const app = appPaths(ctx.paths, spec.name);
  const ref = options.ref ?? spec.branch;
  const lock = await acquireDeployLock(
    ctx.paths,
    spec.name,
    { pid: process.pid, started_at: ctx.clock.now().toISOString(), ref, command: options.command ?? "hostctl deploy" },
    ctx.clock.now(),
  );
  // Every program the deploy runs is recorded in the lock: a killed deploy's migration keeps it held (deploy/lock.ts).
  const covered: HostContext = {
    ...ctx,
    run: (file, args, runOptions = {}) =>
      ctx.run(file, args, {
        ...runOptions,
        onSpawn: (pid) => {
          void lock.cover(pid).catch(() => undefined);
          runOptions.onSpawn?.(pid);
        },
      }),
  };
  try {
    const work: Work = {
      spec,
      ctx: covered,
      app,
      options,
      supervisor: undefined,
      ref,
      previous: await readCurrent(app),
      snapshots: [],
      pruned: [],
    };
    return { work, release: () => lock.release() };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** One deploy: lock, then the planned steps; on failure the new release is removed and the database put back. */
export async function deployApp(spec: AppSpec, ctx: HostContext, options: DeployOptions = {}): Promise<DeployResult> {
  const { work, release } = await openDeploy(spec, ctx, options);
  try {
    work.supervisor = options.supervisor === undefined ? await connectSupervisor(ctx.paths) : (options.supervisor ?? undefined);
    return await applyDeploy(work, []);
  } finally {
    await release();
  }
}

/** A deploy whose fetch, checkout and build run now (beside a restore) and whose other steps run at finish. */
export interface BegunDeploy {
  /** The rest of the deploy, activated through `supervisor` (null: started temporarily for the health check). */
  finish(supervisor: SupervisorLink | null): Promise<DeployResult>;
  /** Not finished after all (the supervisor stops): the new release directory goes, the lock is released. */
  abandon(): Promise<void>;
}

const EARLY_STEPS: readonly StepName[] = ["fetch", "checkout", "build"];

/**
 * The first deploy of an app on a fresh host begins while its databases are restored: fetch, checkout and
 * build touch neither the database nor the replica. Everything else (restore check, snapshot, release phase,
 * activation) runs at finish, after the restore and Litestream's start, exactly as in deployApp.
 */
export async function beginDeploy(spec: AppSpec, ctx: HostContext, options: DeployOptions): Promise<BegunDeploy> {
  const { work, release } = await openDeploy(spec, ctx, options);
  const records: StepRecord[] = [];
  const early = runStages(
    work,
    EARLY_STEPS.map((step) => [[step]]),
    records,
  ).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  let settled = false;
  return {
    finish: async (supervisor) => {
      settled = true;
      try {
        const failed = await early;
        if (failed) throw await handleFailure(work, failed.error);
        work.supervisor = supervisor ?? undefined;
        return await applyDeploy(work, records);
      } finally {
        await release();
      }
    },
    abandon: async () => {
      if (settled) return;
      settled = true;
      try {
        await early;
        if (work.dir) await rm(work.dir, { recursive: true, force: true });
      } finally {
        await release();
      }
    },
  };
}

/** Stage after stage; the lanes of a stage at once, every lane ending before a failure is handled. */
async function runStages(work: Work, stages: readonly StepName[][][], records: StepRecord[]): Promise<void> {
  for (const stage of stages) {
    const lanes = await Promise.allSettled(
      stage.map(async (lane) => {
        for (const step of lane) await runStep(step, records, progressOf(work), () => STEPS[step](work));
      }),
    );
    const failed = lanes.find((lane) => lane.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** The planned steps not yet in `done` (a begun deploy's early steps are), then the result. */
async function applyDeploy(work: Work, done: StepRecord[]): Promise<DeployResult> {
  const { spec, ctx } = work;
  const started = Date.now() - done.reduce((sum, record) => sum + record.ms, 0);
  const mode: ActivationMode = work.supervisor ? "supervisor" : "temporary";
  let records = done;
  await guardLitestream(work);
  const plan = planDeploy({ spec, mode });
  const stages = deployStages(plan, work.previous === undefined)
    .map((stage) =>
      stage.map((lane) => lane.filter((step) => !done.some((record) => record.name === step))).filter((lane) => lane.length > 0),
    )
    .filter((stage) => stage.length > 0);
  try {
    await runStages(work, stages, records);
  } catch (error) {
    throw await handleFailure(work, error);
  } finally {
    records = planOrder(records, plan);
  }
  const release = work.release ?? "";
  await recordLastDeploy(work, { ok: true, at: ctx.clock.now().toISOString(), ref: work.ref, commit: work.commit?.sha ?? "", release });
  return {
    app: spec.name,
    release,
    commit: work.commit?.sha ?? "",
    message: work.commit?.message ?? "",
    ref: work.ref,
    mode,
    previous: work.previous,
    steps: records,
    duration_ms: Date.now() - started,
    ...(work.gap_s === undefined ? {} : { gap_s: work.gap_s }),
    ...(work.switch === undefined ? {} : { switch: work.switch }),
    ...(work.health_ms === undefined ? {} : { health_ms: work.health_ms }),
    ...(work.build ? { build: work.build } : {}),
    pruned: work.pruned,
  };
}

/** A migration Litestream does not ship is one a restore loses: with a supervisor, check before building and again before migrating. */
async function guardLitestream(work: Work): Promise<void> {
  // A LiteFS replica runs no Litestream by design: the primary's backs the databases up.
  if (!work.supervisor || work.options.force || isLitefsReplica(work.spec, work.ctx.host)) return;
  const runtime = await work.supervisor.appRuntime(work.spec.name);
  const reason =
    litestreamRefusal(work.spec, runtime, work.ctx.host.drills.max_lag) ?? mediaRefusal(work.spec, runtime, work.ctx.host.drills.max_lag);
  if (reason) {
    throw new HostctlError(
      "DEPLOY_REFUSED",
      `not deploying ${work.spec.name}: ${reason}; a migration that is not replicated is one a restore would lose`,
      {
        hint: `run: hostctl status; or deploy anyway with: hostctl deploy ${work.spec.name} --force`,
      },
    );
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} missing (step order)`);
  return value;
}

const STEPS: Record<StepName, (work: Work) => Promise<string | undefined>> = {
  fetch: async (w) => {
    if (w.options.fromPush) await fetchMirror(w.ctx.run, w.app.repo, w.app.push, PUSH_REFSPECS);
    else await fetchMirror(w.ctx.run, w.app.repo, w.spec.repo);
    w.commit = await resolveCommit(w.ctx.run, w.app.repo, refCandidates(w.ref, w.options.fromPush ?? false));
    if (!w.options.force && !w.options.fromPush) await refuseAlreadyLive(w.app, w.spec.name, w.previous, w.commit.sha);
    return `${w.ref} → ${w.commit.sha.slice(0, 7)} "${w.commit.message}"`;
  },
  checkout: async (w) => {
    const commit = need(w.commit, "commit");
    let id = releaseId(w.ctx.clock.now(), commit.sha);
    while (await pathExists(join(w.app.releases, id))) {
      await w.ctx.clock.sleep(250);
      id = releaseId(w.ctx.clock.now(), commit.sha);
    }
    w.release = id;
    w.dir = join(w.app.releases, id);
    await materialise(w.ctx.run, w.app.repo, commit.sha, w.dir);
    w.processes = await releaseProcesses(w.spec, w.dir);
    w.env = await releaseEnv(w.spec, w.ctx, w.dir);
    await preflight(w.spec, w.ctx, w.dir, progressOf(w));
    return `releases/${id}`;
  },
  build: async (w) => {
    const previousDir = w.previous ? join(w.app.releases, w.previous) : undefined;
    const out = outputCollector(progressOf(w));
    try {
      w.build = await buildRelease(
        w.ctx.run,
        w.spec,
        need(w.dir, "dir"),
        previousDir,
        need(w.env, "env"),
        out.onOutput,
        await venvOptions(w),
      );
    } catch (error) {
      out.flush();
      throw new StepFailure("build", firstLine(error), out.text() || stderrTailOf(error), { cause: error });
    }
    return w.build.venv === "none" ? (w.spec.build ? "build command ok" : "nothing to build") : buildSummary(w.build);
  },
  restore: async (w) => {
    // Item 11: never migrate a missing database while its replica is unreachable or holds data.
    await refreshLitestreamConfigs(w.spec, w.ctx);
    // A LiteFS app's databases live in its mount, restored there when the supervisor mounts it.
    if (isLitefsApp(w.spec)) return "LiteFS: databases restored at mount (hostctl up)";
    const results = await ensureDatabases(w.spec, w.ctx);
    return results.map((r) => `${r.path} ${r.action}`).join(", ");
  },
  snapshot: async (w) => {
    w.snapshots = await snapshotDatabases(w.ctx.run, w.spec, w.app, need(w.release, "release"));
    return w.snapshots.length === 0
      ? "no database yet"
      : `snapshots/${need(w.release, "release")}/ (${w.snapshots.map((s) => s.path).join(", ")})`;
  },
  release: async (w) => {
    await guardLitestream(w);
    const commands = litefsReleaseCommands(w.spec, w.ctx.host, releaseCommands(w.spec, need(w.processes, "processes"), need(w.dir, "dir")));
    await runReleasePhase(w.ctx.run, commands, { cwd: need(w.dir, "dir"), env: need(w.env, "env"), progress: progressOf(w) });
    return commands.length === 0 ? "no release phase" : commands.map((c) => c.display).join(" + ");
  },
  start: async (w) => {
    await writeMeta(w);
    const result = await proveTemporarily(w.spec, w.ctx, need(w.dir, "dir"));
    if (result.skipped) return result.skipped;
    w.health_ms = result.ms;
    return `web answered ${result.status ?? ""} on ${w.spec.healthcheck.path} after ${((result.ms ?? 0) / 1000).toFixed(2)}s (stopped again; the next hostctl up runs it)`;
  },
  switch: async (w) => {
    await switchCurrent(w.app, need(w.dir, "dir"), w.ctx.clock.now());
    return `current → releases/${need(w.release, "release")}`;
  },
  activate: async (w) => {
    await writeMeta(w);
    const supervisor = need(w.supervisor, "supervisor");
    const result = await supervisor.activate(w.spec.name, { release: need(w.release, "release"), releaseDir: need(w.dir, "dir") });
    w.gap_s = result.gap_s;
    w.switch = switchSummary(result);
    if (!result.ok)
      throw new StepFailure("activate", `the supervisor could not activate the release: ${result.error ?? "health check failed"}`, "");
    return `supervisor switched to releases/${need(w.release, "release")}; ${switchSummary(result)}`;
  },
  prune: async (w) => {
    try {
      w.pruned = await pruneReleases(w.app, w.spec.deploy.keep_releases, w.release);
      await pruneSnapshots(w.app);
    } catch (error) {
      w.ctx.log.warn({ event: "deploy.prune_failed", app: w.spec.name, err: errorMessage(error) }, "pruning old releases failed");
      return `skipped: ${errorMessage(error)}`;
    }
    return w.pruned.length === 0 ? "nothing to prune" : `removed ${w.pruned.join(", ")}`;
  },
};

async function writeMeta(w: Work): Promise<void> {
  const commit = need(w.commit, "commit");
  await writeReleaseMeta(need(w.dir, "dir"), {
    id: need(w.release, "release"),
    commit: commit.sha,
    message: commit.message,
    ref: w.ref,
    deployed_at: w.ctx.clock.now().toISOString(),
    activated_at: [],
  });
}

/** Puts things back: database (if the release phase changed it), no half-made release dir; then one error for the user. */
async function handleFailure(work: Work, error: unknown): Promise<unknown> {
  if (!(error instanceof StepFailure)) return error;
  const notes: string[] = [];
  if (error.step === "release" && work.snapshots.length > 0) {
    const restored = await restoreChanged(work.ctx.run, work.snapshots);
    notes.push(
      restored.length > 0
        ? `restored ${restored.join(", ")} from snapshots/${work.release ?? ""}/`
        : "databases unchanged by the failed release phase",
    );
  }
  if (work.dir && work.release !== (await readCurrent(work.app))) await rm(work.dir, { recursive: true, force: true });
  // A first release snapshots beside its build (stages.ts): a failed build leaves no snapshot behind.
  if (error.step === "build" && work.release) await rm(join(work.app.snapshots, work.release), { recursive: true, force: true });
  await recordLastDeploy(work, {
    ok: false,
    at: work.ctx.clock.now().toISOString(),
    ref: work.ref,
    ...(work.commit ? { commit: work.commit.sha } : {}),
    step: error.step,
    error: error.message,
  });
  const serving = work.previous ? `releases/${work.previous} is still current` : "no release is current yet";
  return new HostctlError("DEPLOY_FAILED", failureMessage(work.spec.name, error), {
    cause: error,
    hint: [serving, ...notes, nextStep(work, error)].join("; "),
  });
}

function nextStep(work: Work, failure: StepFailure): string {
  const cause: unknown = failure.cause;
  if (cause instanceof HostctlError && cause.hint && cause.code !== "COMMAND_FAILED") return cause.hint;
  if (failure.step === "fetch") return `check the remote: git ls-remote --end-of-options ${redactUserInfo(work.spec.repo)}`;
  if (failure.step === "restore") return "run: hostctl doctor";
  if (failure.step === "start" && failure.message.includes("in use"))
    return `find what listens there: ss -ltnp 'sport = :${work.spec.port}' (a stray app process? hostctl up ends strays)`;
  return `fix the commit and run: hostctl deploy ${work.spec.name}`;
}

async function recordLastDeploy(work: Work, record: LastDeploy): Promise<void> {
  await writeJsonFile(lastDeployPath(work.app), record).catch(() => undefined);
}
