import type { CommandResult, Deps } from "../deps.js";
import { ago, table } from "../output.js";
import { mirrorRegistryOrWarn } from "../../registry/mirror.js";
import { loadHostContext } from "../../host/context.js";
import { requireApp } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { deployApp } from "../../deploy/apply.js";
import { setupPushRepo } from "../../deploy/push.js";
import { listReleases, previousRelease, readCurrent } from "../../deploy/releases.js";
import { rollbackApp } from "../../deploy/rollback.js";
import { cliScript } from "../script.js";

export interface DeployFlags {
  ref?: string;
  force?: boolean;
  fromPush?: boolean;
}

function shortRef(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export async function deploy(name: string, flags: DeployFlags, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  const ctx = await loadHostContext(deps);
  try {
    deps.progress(`-----> deploying ${name} (${shortRef(flags.ref ?? spec.branch)})`);
    const result = await deployApp(spec, ctx, {
      ...(flags.ref === undefined ? {} : { ref: flags.ref }),
      force: flags.force ?? false,
      fromPush: flags.fromPush ?? false,
      command: `hostctl deploy${flags.fromPush ? " (git push)" : ""}`,
      progress: deps.progress,
    });
    await mirrorRegistryOrWarn(ctx, deps.progress);
    const how =
      result.mode === "supervisor"
        ? (result.switch ?? `serving gap ${(result.gap_s ?? 0).toFixed(2)}s`)
        : "not running: hostctl up starts it";
    return {
      text: `deployed ${name} ${result.release} (${result.commit.slice(0, 7)} "${result.message}") in ${seconds(result.duration_ms)}; ${how}`,
      data: result,
    };
  } finally {
    ctx.store.close();
  }
}

export interface RollbackFlags {
  to?: string;
  force?: boolean;
}

export async function rollback(name: string, flags: RollbackFlags, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  const ctx = await loadHostContext(deps);
  try {
    const result = await rollbackApp(spec, ctx, {
      ...(flags.to === undefined ? {} : { to: flags.to }),
      ...(flags.force ? { force: true } : {}),
      progress: deps.progress,
    });
    await mirrorRegistryOrWarn(ctx, deps.progress);
    return {
      text: `rolled ${name} back from ${result.from ?? "nothing"} to ${result.to} (${result.commit.slice(0, 7)}); databases were not changed${result.switch ? `; ${result.switch}` : ""}`,
      data: result,
    };
  } finally {
    ctx.store.close();
  }
}

export async function releases(name: string, deps: Deps): Promise<CommandResult> {
  await requireApp(deps.paths, name);
  const app = appPaths(deps.paths, name);
  const list = await listReleases(app);
  const current = await readCurrent(app);
  const previous = previousRelease(list, current)?.id;
  const now = deps.clock.now();
  const rows = [...list]
    .reverse()
    .map((r) => [
      r.current ? "*" : r.id === previous ? "-" : " ",
      r.id,
      r.commit.slice(0, 7),
      ago(r.deployed_at, now),
      r.message,
    ]);
  const data = [...list].reverse().map(({ dir, ...r }) => ({ ...r, dir, previous: r.id === previous }));
  return {
    text:
      list.length === 0
        ? `no releases of ${name} yet: hostctl deploy ${name}`
        : `${table([[" ", "RELEASE", "COMMIT", "DEPLOYED", "MESSAGE"], ...rows])}\n(* current, - previous)`,
    data,
  };
}

export async function pushSetup(name: string, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  // The hook runs this very CLI (same Node, same build), with --home baked in.
  const script = cliScript();
  const result = await setupPushRepo(deps.run, deps.paths, spec, { node: process.execPath, script });
  return {
    text: `${result.created ? "created" : "updated"} ${result.path}\npush to deploy: git remote add hostctl ssh://HOST${result.path} && git push hostctl ${spec.branch}`,
    data: result,
  };
}
