import { createServer, type Server } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, httpGet, httpPost, installRelease } from "../helpers/apps.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";

const servers: Server[] = [];
const stopped: number[] = [];

afterAll(async () => {
  for (const pid of stopped) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone (the supervisor restarted it).
    }
  }
  await killAllSupervisors();
  for (const server of servers) server.close();
  await cleanupTempDirs();
});

interface ShopStatus {
  state: string;
  litestream: { state: string; pid?: number };
  replication?: { database: string; lag_s: number; behind: boolean }[];
  litestream_metrics?: string;
}

async function newHost(settings: Record<string, unknown> = {}): Promise<{ home: string; port: number }> {
  const home = join(await tempDir(), "home");
  expect((await runCli(home, ["init", "--replica-url", `file://${await tempDir("replica")}`])).exitCode).toBe(0);
  const file = join(home, "hostctl.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  for (const [path, value] of Object.entries(settings)) doc.setIn(path.split("."), value);
  await writeFile(file, doc.toString());
  const port = await freePort();
  const add = await runCli(home, [
    "app",
    "add",
    "shop",
    "--kind",
    "generic",
    "--repo",
    "/unused",
    "--port",
    String(port),
    "--db",
    "db.sqlite3",
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
  await installRelease(home, "shop", "generic-app");
  return { home, port };
}

async function shop(home: string): Promise<ShopStatus | undefined> {
  return (await hostStatus<{ apps: (ShopStatus & { name: string })[] }>(home)).apps.find((a) => a.name === "shop");
}

describe("a stalled Litestream (issue 14.4)", () => {
  it("is restarted by the supervisor when writes wait past litestream.stall_timeout, and the waiting writes then ship", async () => {
    const { home, port } = await newHost({ "litestream.stall_timeout": "6s" });
    const sup = await startSupervisor(home);
    await waitFor("shop serving", async () => (await httpGet(port, "/rows")).status === 200, 30_000);
    const caughtUp = async () =>
      waitFor(
        "a caught-up replica",
        async () => {
          const r = (await shop(home))?.replication?.[0];
          return r !== undefined && !r.behind;
        },
        40_000,
        500,
      );
    await caughtUp();
    const frozen = (await shop(home))?.litestream.pid;
    expect(frozen).toBeDefined();
    // A replicator that is alive but makes no progress: the supervisor still sees it "running".
    process.kill(frozen!, "SIGSTOP");
    stopped.push(frozen!);
    for (let i = 0; i < 3; i++) expect((await httpPost(port, "/rows", `waiting ${i}`)).status).toBe(201);
    await waitFor(
      "Litestream restarted with a new pid",
      async () => {
        const s = await shop(home);
        return s?.litestream.state === "running" && s.litestream.pid !== undefined && s.litestream.pid !== frozen;
      },
      60_000,
      500,
    );
    await caughtUp();
    const log = await sup.log();
    expect(log).toMatch(/"event":"litestream\.stalled","app":"shop"/);
    expect(log).toMatch(/"event":"litestream\.restarted"/);
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 120_000);
});

describe("a metrics port held by another process (issue 14.6)", () => {
  it("is detected before Litestream starts; its metrics are never read as ours, and shutdown does not wait for them", async () => {
    const { home } = await newHost();
    const metricsPort = (
      JSON.parse(await readFile(join(home, "run", "litestream", "ports.json"), "utf8")) as Record<string, number>
    ).shop!;
    // Another Litestream's metrics (another app's database) already on our port.
    const foreign = createServer((_req, res) => {
      res.end(
        'litestream_shadow_wal_index{db="/srv/other/db.sqlite3"} 3\nlitestream_replica_wal_index{db="/srv/other/db.sqlite3",name="s3"} 3\nlitestream_replica_wal_offset{db="/srv/other/db.sqlite3",name="s3"} 4152\nlitestream_sync_count{db="/srv/other/db.sqlite3"} 9\n',
      );
    });
    servers.push(foreign);
    await new Promise<void>((resolve) => foreign.listen(metricsPort, "127.0.0.1", resolve));
    const sup = await startSupervisor(home);
    await waitForSocket(home);
    const s = await waitFor(
      "the port conflict in status",
      async () => {
        const st = await shop(home);
        return st?.state === "running" && st.litestream_metrics ? st : undefined;
      },
      30_000,
      500,
    );
    expect(s.litestream_metrics).toMatch(new RegExp(`127\\.0\\.0\\.1:${metricsPort} is held by another process`));
    // Several observations (every 5 s): the other database never shows up as ours.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(JSON.stringify((await shop(home))?.replication ?? [])).not.toContain("/srv/other");
    }
    expect(await sup.log()).toMatch(/"event":"litestream\.metrics_port_taken"/);
    const started = Date.now();
    expect(await sup.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
  }, 120_000);
});
