import { readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { ago, table } from "../output.js";
import { loadApps } from "../../apps/registry.js";
import { loadHostConfig } from "../../config/host.js";
import { diskSpace, type DiskSpace } from "../../lib/disk.js";
import { appPaths } from "../../config/paths.js";
import { fileSize, pathExists } from "../../lib/fs.js";
import { HostctlError } from "../../lib/errors.js";
import { callControl } from "../../supervisor/control-client.js";
import type { AppStatus, HostFacts, ProxyStatus } from "../../supervisor/control-protocol.js";
import { lastVerdict, readDrills } from "../../drills/history.js";
import { readJsonFile } from "../../lib/json-file.js";
import { runningSupervisor } from "../../supervisor/supervisor-lock.js";
import { leaseWaitPath, type LeaseWait } from "../../lease/wait.js";
import { databaseDirOf } from "../../litefs/paths.js";

interface DiskAppStatus {
  name: string;
  state: "not supervised";
  release: string | undefined;
  data_dir: string;
  databases: { path: string; exists: boolean; bytes: number }[];
  last_drill: DrillSummary | null;
}

async function diskStatus(deps: Deps): Promise<DiskAppStatus[]> {
  const apps = await loadApps(deps.paths);
  return Promise.all(
    apps.map(async (spec) => {
      const paths = appPaths(deps.paths, spec.name);
      const release = (await pathExists(paths.current)) ? basename(await readlink(paths.current)) : undefined;
      const databases = await Promise.all(
        spec.databases.map(async (db) => {
          const file = join(databaseDirOf(spec, paths), db.path);
          return { path: db.path, exists: await pathExists(file), bytes: await fileSize(file) };
        }),
      );
      const last = lastVerdict(await readDrills(paths.drills, 20));
      const last_drill = last ? { ok: last.ok, at: last.started_at, skipped: last.skipped ?? false } : null;
      return {
        name: spec.name,
        state: "not supervised" as const,
        release,
        data_dir: paths.data,
        databases,
        last_drill,
      };
    }),
  );
}

interface DrillSummary {
  ok: boolean;
  at: string;
  skipped: boolean;
}

function drillText(drill: DrillSummary | null | undefined, now: Date): string {
  if (!drill) return "never";
  return `${drill.skipped ? "skipped" : drill.ok ? "ok" : "FAILED"} ${ago(drill.at, now)}`;
}

function lagText(app: AppStatus): string {
  const replication = app.replication;
  if (!replication || replication.length === 0) return app.litestream.state === "none" ? "-" : "?";
  const worst = Math.max(...replication.map((r) => r.lag_s));
  // Behind never reads "0s": a write waiting for less than a second is "<1s behind".
  if (replication.some((r) => r.behind)) return `${worst < 1 ? "<1" : worst.toFixed(0)}s behind`;
  return `${worst.toFixed(0)}s`;
}

function mediaLagText(app: AppStatus): string {
  const media = app.media;
  if (media === undefined) return "-";
  return `${media.lag_s.toFixed(0)}s${media.pending ? ` (${media.pending} pending)` : ""}${media.error ? " failing" : ""}`;
}

/** One line per app job that has run (hostctl jobs NAME has the detail). */
function jobsText(apps: AppStatus[], now: Date): string {
  const lines = apps.flatMap((a) =>
    Object.entries(a.jobs ?? {})
      .filter(([, j]) => j.last_run_at !== null)
      .map(
        ([name, j]) =>
          `job ${a.name}/${name}: ${j.running ? "running; last " : ""}${j.ok ? "ok" : `FAILED (exit ${String(j.exit_code)})`} ${ago(j.last_run_at ?? "", now)} in ${((j.duration_ms ?? 0) / 1000).toFixed(1)}s${j.overlaps_skipped ? `, ${j.overlaps_skipped} overlapping runs skipped` : ""}`,
      ),
  );
  return lines.length === 0 ? "" : `\n${lines.join("\n")}`;
}

function processSummary(app: AppStatus): string {
  return (
    app.processes
      .map((p) => `${p.type}:${p.state}${p.pid ? `(${p.pid})` : ""}${p.restarts ? ` ↻${p.restarts}` : ""}`)
      .join(" ") || "-"
  );
}

/** Pure: empty when the supervisor reports no proxy at all. */
export function proxyLines(status: { proxy?: ProxyStatus }): string {
  const proxy = status.proxy;
  if (!proxy) return "";
  if (proxy.state === "off") return `\nproxy: off (${proxy.reason ?? "not configured"})`;
  const head = `\nproxy: caddy ${proxy.caddy_version ?? "?"} ${proxy.state ?? "?"}${proxy.pid ? ` (pid ${proxy.pid})` : ""}${proxy.restarts ? ` ↻${proxy.restarts}` : ""}, config v${proxy.config_version ?? 0}, tls ${proxy.tls ?? "?"}, listening ${(proxy.listeners ?? []).join(" ") || "nowhere"}`;
  const apps = Object.entries(proxy.apps ?? {}).map(
    ([name, app]) =>
      `  ${name}: ${app.domains.length > 0 ? app.domains.join(", ") : "(no domain: its own port)"} → ${app.live_port === undefined ? "503 (not serving)" : `127.0.0.1:${app.live_port}`}`,
  );
  const handover =
    proxy.listener_handover === "off" || proxy.listener_handover === "unsupported"
      ? [
          `  warning: a config load can reset connections queued during Caddy's reload (listener handover ${proxy.listener_handover}): run hostctl doctor`,
        ]
      : [];
  const stalls = proxy.stall_restarts
    ? [
        `  stalled: did not answer its probes; killed and restarted ${proxy.stall_restarts}× (last at ${proxy.last_stall_restart_at ?? "?"})`,
      ]
    : [];
  const unanswered =
    proxy.state === "unresponsive" ? [`  not answering: ${proxy.reason ?? "no answer to its probes"}`] : [];
  return [head, ...unanswered, ...stalls, ...handover, ...apps].join("\n");
}

/** An `up` waiting for another host's lease has no control socket yet: it says so in run/. */
async function leaseWait(deps: Deps): Promise<LeaseWait | undefined> {
  const supervisor = await runningSupervisor(deps.paths);
  const wait = await readJsonFile<LeaseWait>(leaseWaitPath(deps.paths));
  return supervisor && wait?.pid === supervisor.pid ? wait : undefined;
}

function litestreamText(engine: HostFacts["litestream"]): string {
  return engine ? `, Litestream ${engine.version} (${engine.binary})` : "";
}

/** A full disk under HOME is said first: logs are being dropped and writes of the apps may fail. */
async function diskLine(deps: Deps): Promise<{ disk: DiskSpace | undefined; line: string }> {
  const disk = await diskSpace(deps.paths.home);
  const line = disk?.full
    ? `DISK FULL: ${disk.free_bytes} bytes free on the filesystem of ${deps.paths.home}: process output is dropped and app writes may fail (free space: df -h ${deps.paths.home})\n`
    : "";
  return { disk, line };
}

export async function status(deps: Deps): Promise<CommandResult> {
  await loadHostConfig(deps.paths);
  const { disk, line: diskWarning } = await diskLine(deps);
  const live = await callControl(deps.paths, "status", { timeoutMs: 10_000 });
  if (live && !live.ok)
    throw new HostctlError("SUPERVISOR_REFUSED", `the supervisor did not answer its status: ${live.error}`);
  if (!live) {
    const apps = await diskStatus(deps);
    const now = deps.clock.now();
    const rows = [
      ["APP", "STATE", "RELEASE", "LAST DRILL", "DATABASES"],
      ...apps.map((a) => [
        a.name,
        a.state,
        a.release ?? "-",
        drillText(a.last_drill, now),
        a.databases.map((d) => `${d.path}${d.exists ? ` ${d.bytes}B` : " (missing)"}`).join(", ") || "-",
      ]),
    ];
    const waiting = await leaseWait(deps);
    const headline = waiting
      ? `hostctl up (pid ${waiting.pid}) is waiting for the replica lease since ${ago(waiting.since, now)}: ${waiting.reason}; nothing starts until it is released or expires (or: hostctl up --takeover)`
      : `hostctl up is not running for ${deps.paths.home} (start it: hostctl up, or systemctl start hostctl)`;
    return {
      text: `${diskWarning}${headline}\n${table(rows)}`,
      data: { supervisor: null, ...(waiting ? { waiting_for_lease: waiting } : {}), apps, disk },
    };
  }
  const now = deps.clock.now();
  const s = live.body;
  const rows = [
    ["APP", "STATE", "PROCESSES", "LITESTREAM", "LAG", "MEDIA LAG", "LAST DRILL", "RELEASE", "REASON"],
    ...s.apps.map((a) => [
      a.name,
      a.state,
      processSummary(a),
      a.litestream.state,
      lagText(a),
      mediaLagText(a),
      drillText(a.last_drill, now),
      a.release ?? "-",
      a.reason ?? (a.exposed ? "warning: web listens beyond loopback (status --json: exposed)" : ""),
    ]),
  ];
  return {
    text: `${diskWarning}supervisor pid ${s.supervisor.pid}, up since ${ago(s.supervisor.started_at, now)}${litestreamText(s.litestream)}\n${table(rows)}${jobsText(s.apps, now)}${proxyLines(s)}`,
    data: { ...s, disk },
  };
}
