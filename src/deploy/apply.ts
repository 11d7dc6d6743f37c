import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import type { BuildResult } from "./build.js";
import { acquireDeployLock } from "./lock.js";
import { planDeploy, type ActivationMode, type StepName } from "./plan.js";
import { readCurrent } from "./releases.js";
import { runStep, type StepRecord } from "./steps.js";
import { connectSupervisor, type SupervisorLink } from "./supervisor-link.js";
import { deployStages, planOrder } from "./stages.js";
import { progressOf, type DeployOptions, type Work } from "./deploy-work.js";
import { guardLitestream, STEPS } from "./deploy-steps.js";
import { handleFailure } from "./deploy-failure.js";
import { recordLastDeploy } from "./last-deploy.js";
import { recordDeployEvent } from "./deploy-history.js";
import { pathExists } from "../lib/fs.js";
import { restoredCopyPath } from "../restore/restore-app.js";
import { isLitefsApp } from "../litefs/paths.js";

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
  /** Supervisor mode: the upstream change and the old release's drain behind the proxy. */
  switch?: string;
  build?: BuildResult;
  pruned: string[];
}

/** A deploy run by the supervisor (polling, first deploy): step lines go to its log. */
export function loggedProgress(ctx: Pick<HostContext, "log">, app: string): (line: string) => void {
  return (line) => ctx.log.info({ event: "deploy.progress", app }, line.trimEnd());
}

/** Every program the deploy runs is recorded in the lock. */
async function openDeploy(
  spec: AppSpec,
  ctx: HostContext,
  options: DeployOptions,
): Promise<{ work: Work; release: () => Promise<void> }> {
  const app = appPaths(ctx.paths, spec.name);
  const ref = options.ref ?? spec.branch;
  const lock = await acquireDeployLock(
    ctx.paths,
    spec.name,
    { pid: process.pid, started_at: ctx.clock.now().toISOString(), ref, command: options.command ?? "hostctl deploy" },
    ctx.clock.now(),
  );
  // A killed deploy's migration keeps the lock held (deploy/lock.ts).
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

/** On failure the new release is removed and the database put back. */
export async function deployApp(spec: AppSpec, ctx: HostContext, options: DeployOptions = {}): Promise<DeployResult> {
  const { work, release } = await openDeploy(spec, ctx, options);
  try {
    work.supervisor =
      options.supervisor === undefined ? await connectSupervisor(ctx.paths) : (options.supervisor ?? undefined);
    return await applyDeploy(work, []);
  } finally {
    await release();
  }
}

/** Fetch, checkout and build run now (beside a restore); the other steps run at finish. */
export interface BegunDeploy {
  /** Databases are restored: run the restore check, and the snapshot off restore-on-boot's copies.
   * Neither writes the live database, so both run while Litestream waits for the lease. */
  advance(): void;
  /** Activated through `supervisor` (null: started temporarily for the health check). */
  finish(supervisor: SupervisorLink | null): Promise<DeployResult>;
  /** The supervisor stops: the new release directory goes, the lock is released. */
  abandon(): Promise<void>;
}

const EARLY_STEPS: readonly StepName[] = ["fetch", "checkout", "build"];
const ADVANCE_STEPS: readonly StepName[] = ["restore", "snapshot"];

/** A fresh host's first deploy builds while its databases restore: the build touches neither.
 * Release phase and activation wait for finish, after Litestream has started. */
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
  let advanced: Promise<{ error: unknown } | undefined> | undefined;
  return {
    advance: () => {
      advanced ??= early.then(async (failed) => {
        if (failed) return failed;
        const planned = planDeploy({ spec, mode: "supervisor" }).filter((step) => ADVANCE_STEPS.includes(step));
        const copies = await Promise.all(spec.databases.map((db) => pathExists(restoredCopyPath(work.app, db.path))));
        // The snapshot reads only restore-on-boot's copy.
        const fromCopies = copies.every(Boolean) && !isLitefsApp(spec);
        const lane = planned.filter((step) => step === "restore" || (step === "snapshot" && fromCopies));
        if (lane.length === 0) return undefined;
        return runStages(work, [[lane]], records).then(
          () => undefined,
          (error: unknown) => ({ error }),
        );
      });
    },
    finish: async (supervisor) => {
      settled = true;
      try {
        const failed = (await early) ?? (await advanced);
        if (failed) {
          await recordDeployEvent(work, records, stepsMs(records), failed.error);
          throw await handleFailure(work, failed.error);
        }
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
        await advanced;
        if (work.dir) await rm(work.dir, { recursive: true, force: true });
        if (work.release && work.snapshots.length > 0)
          await rm(join(work.app.snapshots, work.release), { recursive: true, force: true });
      } finally {
        await release();
      }
    },
  };
}

function stepsMs(records: readonly StepRecord[]): number {
  return records.reduce((sum, record) => sum + record.ms, 0);
}

/** Every lane of a stage ends before a failure is handled. */
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
  const started = Date.now() - stepsMs(done);
  const mode: ActivationMode = work.supervisor ? "supervisor" : "temporary";
  let records = done;
  const plan = planDeploy({ spec, mode });
  // Without a supervisor no release of this app runs, so none writes the database.
  const stages = deployStages(plan, work.previous === undefined || !work.supervisor)
    .map((stage) =>
      stage
        .map((lane) => lane.filter((step) => !done.some((record) => record.name === step)))
        .filter((lane) => lane.length > 0),
    )
    .filter((stage) => stage.length > 0);
  try {
    await guardLitestream(work);
    await runStages(work, stages, records);
  } catch (error) {
    await recordDeployEvent(work, records, Date.now() - started, error);
    throw await handleFailure(work, error);
  } finally {
    // The proven release's temporary web process has stopped by the time the deploy returns.
    await work.stopping;
    records = planOrder(records, plan);
  }
  const release = work.release ?? "";
  await recordLastDeploy(work, {
    ok: true,
    at: ctx.clock.now().toISOString(),
    ref: work.ref,
    commit: work.commit?.sha ?? "",
    release,
  });
  await recordDeployEvent(work, records, Date.now() - started);
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
