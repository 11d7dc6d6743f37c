import { readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { ago, table } from "../output.js";
import { loadApps } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { fileSize, pathExists } from "../../lib/fs.js";
import { controlRequest } from "../../supervisor/control-client.js";
import type { SupervisorStatus } from "../../supervisor/main.js";
import type { AppStatus } from "../../supervisor/app-unit.js";

interface DiskAppStatus {
  name: string;
  state: "not supervised";
  release: string | undefined;
  data_dir: string;
  databases: { path: string; exists: boolean; bytes: number }[];
}

async function diskStatus(deps: Deps): Promise<DiskAppStatus[]> {
  const apps = await loadApps(deps.paths);
  return Promise.all(apps.map(async (spec) => {
    const paths = appPaths(deps.paths, spec.name);
    const release = (await pathExists(paths.current)) ? basename(await readlink(paths.current)) : undefined;
    const databases = await Promise.all(spec.databases.map(async (db) => {
      const file = join(paths.data, db.path);
      return { path: db.path, exists: await pathExists(file), bytes: await fileSize(file) };
    }));
    return { name: spec.name, state: "not supervised" as const, release, data_dir: paths.data, databases };
  }));
}

function processSummary(app: AppStatus): string {
  return app.processes.map((p) => `${p.type}:${p.state}${p.pid ? `(${p.pid})` : ""}${p.restarts ? ` ↻${p.restarts}` : ""}`).join(" ") || "-";
}

export async function status(deps: Deps): Promise<CommandResult> {
  const live = await controlRequest<SupervisorStatus>(deps.paths, "GET", "/status", undefined, 10_000);
  if (!live) {
    const apps = await diskStatus(deps);
    const rows = [["APP", "STATE", "RELEASE", "DATABASES"], ...apps.map((a) => [a.name, a.state, a.release ?? "-", a.databases.map((d) => `${d.path}${d.exists ? ` ${d.bytes}B` : " (missing)"}`).join(", ") || "-"])];
    return {
      text: `hostctl up is not running for ${deps.paths.home} (start it: hostctl up, or systemctl start hostctl)\n${table(rows)}`,
      data: { supervisor: null, apps },
    };
  }
  const now = deps.clock.now();
  const s = live.body;
  const rows = [["APP", "STATE", "PROCESSES", "LITESTREAM", "RELEASE", "REASON"], ...s.apps.map((a) => [
    a.name, a.state, processSummary(a), a.litestream.state, a.release ?? "-", a.reason ?? "",
  ])];
  return {
    text: `supervisor pid ${s.supervisor.pid}, up since ${ago(s.supervisor.started_at, now)}\n${table(rows)}`,
    data: s,
  };
}
