import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { releaseProcesses } from "../apps/procfile.js";
import { HostctlError, errorMessage, firstLine, stderrTailOf } from "../lib/errors.js";
import { ensureDatabases, refreshLitestreamConfigs } from "../restore/restore-app.js";
import { buildRelease } from "./build.js";
import { buildSummary, venvOptions } from "./build-options.js";
import { preflight } from "./preflight-step.js";
import { fetchMirror, materialise, PUSH_REFSPECS, refCandidates, resolveCommit } from "./git.js";
import { releaseCommands, type StepName } from "./plan.js";
import { runReleasePhase } from "./release-phase.js";
import { isLitefsApp } from "../litefs/paths.js";
import { isLitefsReplica, litefsReleaseCommands } from "../litefs/release.js";
import { newReleaseId, pruneReleases, readReleaseMeta, writeReleaseMeta } from "./releases.js";
import { pruneSnapshots, snapshotDatabases } from "./snapshot.js";
import { outputCollector, StepFailure } from "./steps.js";
import { litestreamRefusal, switchSummary } from "./supervisor-link.js";
import { mediaRefusal } from "../media/guard.js";
import { proveTemporarily, releaseEnv } from "./prove.js";
import { switchCurrent } from "./switch.js";
import { need, progressOf, type Work } from "./deploy-work.js";

/** A migration Litestream does not ship is lost on restore: check before build and migrate. */
export async function guardLitestream(work: Work): Promise<void> {
  // A LiteFS replica runs no Litestream by design: the primary's backs the databases up.
  if (!work.supervisor || work.options.force || isLitefsReplica(work.spec, work.ctx.host)) return;
  const runtime = await work.supervisor.appRuntime(work.spec.name);
  const reason =
    litestreamRefusal(work.spec, runtime, work.ctx.host.drills.max_lag) ??
    mediaRefusal(work.spec, runtime, work.ctx.host.drills.max_lag);
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

export const STEPS: Record<StepName, (work: Work) => Promise<string | undefined>> = {
  fetch: async (w) => {
    if (w.options.fromPush) await fetchMirror(w.ctx.run, w.app.repo, w.app.push, PUSH_REFSPECS);
    else await fetchMirror(w.ctx.run, w.app.repo, w.spec.repo);
    w.commit = await resolveCommit(w.ctx.run, w.app.repo, refCandidates(w.ref, w.options.fromPush ?? false));
    if (!w.options.force && !w.options.fromPush) await refuseAlreadyLive(w.app, w.spec.name, w.previous, w.commit.sha);
    // Named here: the snapshot may run beside the checkout and its directory bears this name.
    w.release = await newReleaseId(w.app.releases, w.commit.sha, w.ctx.clock);
    w.dir = join(w.app.releases, w.release);
    return `${w.ref} → ${w.commit.sha.slice(0, 7)} "${w.commit.message}"`;
  },
  checkout: async (w) => {
    const dir = need(w.dir, "dir");
    await materialise(w.ctx.run, w.app.repo, need(w.commit, "commit").sha, dir);
    // Side by side; all end before a failure is reported. Only env writes: a first deploy's
    // SECRET_KEY, atomically (preflight reads that file, not the key).
    const [processes, env, checked] = await Promise.allSettled([
      releaseProcesses(w.spec, dir),
      releaseEnv(w.spec, w.ctx, dir),
      preflight(w.spec, w.ctx, dir, progressOf(w)),
    ]);
    for (const result of [processes, env, checked]) if (result.status === "rejected") throw result.reason;
    if (processes.status === "fulfilled") w.processes = processes.value;
    if (env.status === "fulfilled") w.env = env.value;
    return `releases/${need(w.release, "release")}`;
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
    // A LiteFS app's databases live in its mount, restored there when the supervisor mounts it.
    if (isLitefsApp(w.spec)) return "LiteFS: databases restored at mount (hostctl up)";
    // Configs are rewritten from hostctl.yml only when a restore will read one.
    const results = await ensureDatabases(w.spec, w.ctx, {
      beforeRestore: () => refreshLitestreamConfigs(w.spec, w.ctx),
    });
    return results.map((r) => `${r.path} ${r.action}`).join(", ");
  },
  snapshot: async (w) => {
    w.snapshots = await snapshotDatabases(
      w.ctx.run,
      w.spec,
      w.app,
      need(w.release, "release"),
      w.previous === undefined,
    );
    return w.snapshots.length === 0
      ? "no database yet"
      : `snapshots/${need(w.release, "release")}/ (${w.snapshots.map((s) => (s.source === "restore" ? `${s.path}, copied at restore` : s.path)).join(", ")})`;
  },
  release: async (w) => {
    await guardLitestream(w);
    const commands = litefsReleaseCommands(
      w.spec,
      w.ctx.host,
      releaseCommands(w.spec, need(w.processes, "processes"), need(w.dir, "dir")),
    );
    await runReleasePhase(w.ctx.run, commands, {
      cwd: need(w.dir, "dir"),
      env: need(w.env, "env"),
      progress: progressOf(w),
    });
    return commands.length === 0 ? "no release phase" : commands.map((c) => c.display).join(" + ");
  },
  start: async (w) => {
    await writeMeta(w);
    const result = await proveTemporarily(w.spec, w.ctx, need(w.dir, "dir"));
    w.stopping = result.stopped;
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
    const result = await supervisor.activate(w.spec.name, {
      release: need(w.release, "release"),
      releaseDir: need(w.dir, "dir"),
    });
    w.gap_s = result.gap_s;
    w.switch = switchSummary(result);
    if (!result.ok)
      throw new StepFailure(
        "activate",
        `the supervisor could not activate the release: ${result.error ?? "health check failed"}`,
        "",
      );
    return `supervisor switched to releases/${need(w.release, "release")}; ${switchSummary(result)}`;
  },
  prune: async (w) => {
    try {
      w.pruned = await pruneReleases(w.app, w.spec.deploy.keep_releases, w.release);
      await pruneSnapshots(w.app);
    } catch (error) {
      w.ctx.log.warn(
        { event: "deploy.prune_failed", app: w.spec.name, err: errorMessage(error) },
        "pruning old releases failed",
      );
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

/** Redeploying the live commit needs --force: it would only make a duplicate release. */
export async function refuseAlreadyLive(
  app: AppPaths,
  name: string,
  current: string | undefined,
  sha: string,
): Promise<void> {
  if (current === undefined) return;
  const meta = await readReleaseMeta(join(app.releases, current));
  if (meta?.commit !== sha) return;
  throw new HostctlError(
    "DEPLOY_REFUSED",
    `${name} already runs ${sha.slice(0, 7)} (release ${current}): nothing new to deploy`,
    {
      exitCode: 2,
      hint: `hostctl deploy ${name} --force deploys it again (a new release, release phase included)`,
    },
  );
}
