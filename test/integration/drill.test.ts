import { readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs } from "../helpers/tmp.js";
import { closedPort, deleteAll, listKeys, newBucket } from "../helpers/s3.js";
import { sql } from "../helpers/sqlite.js";
import { readCanary, touchCanary } from "../../src/drills/canary.js";
import type { DrillResult } from "../../src/drills/result.js";
import {
  addApp,
  dbPath,
  initHost,
  killAllLitestream,
  run,
  seedDb,
  startLitestream,
  stopLitestream,
  waitReplicated,
  type TestHost,
} from "./drill-harness.js";

interface Received {
  method: string;
  url: string;
  body: string;
}

const received: Received[] = [];
let server: Server;
let host: TestHost;
let s3: Awaited<ReturnType<typeof newBucket>>;
const litestream = new Map<string, ResultPromise>();
const APPS = ["healthy", "gone", "garbled", "stopped", "dj"] as const;

const MIGRATIONS = `CREATE TABLE django_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, name TEXT NOT NULL, applied TEXT NOT NULL);
  INSERT INTO django_migrations(app, name, applied) VALUES ('contenttypes', '0001_initial', '2024-01-01'), ('notes', '0001_initial', '2024-01-01');
  CREATE VIRTUAL TABLE search_index USING fts5(title, body);
  INSERT INTO search_index VALUES ('hello', 'wagtail search body'), ('second', 'more text');`;

async function drill(
  app: string,
  ...flags: string[]
): Promise<{ exitCode: number; result: DrillResult; stderr: string }> {
  const out = await runCli(host.home, ["drill", app, "--json", ...flags]);
  return { exitCode: out.exitCode, result: JSON.parse(out.stdout || "{}") as DrillResult, stderr: out.stderr };
}

function checkOf(result: DrillResult, name: string) {
  return result.databases[0]?.checks.find((c) => c.name === name);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", body });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  s3 = await newBucket();
  host = await initHost(s3.endpoint, s3.bucket, {
    "alerts.webhook": `http://127.0.0.1:${port}/hook`,
    "alerts.ping_url": `http://127.0.0.1:${port}/ping`,
  });
  for (const app of APPS) {
    const flags =
      app === "dj"
        ? ["--kind", "django"]
        : app === "stopped"
          ? ["--kind", "generic", "--max-lag", "2s"]
          : ["--kind", "generic"];
    await seedDb(await addApp(host, app, flags), 200, app === "dj" ? MIGRATIONS : "");
    litestream.set(app, startLitestream(host, app));
  }
  await Promise.all(APPS.map((app) => waitReplicated(s3.client, s3.bucket, host, app)));
});

afterAll(async () => {
  await killAllLitestream();
  await new Promise((resolve) => server.close(resolve));
  await cleanupTempDirs();
});

describe("hostctl drill against real Litestream and a loopback S3", () => {
  it("passes every check of a healthy replica and records RTO, bytes, generation and RPO", async () => {
    const { exitCode, result, stderr } = await drill("healthy");
    expect(exitCode, stderr).toBe(0);
    expect(result).toMatchObject({ ok: true, app: "healthy", live: true });
    const db = result.databases[0];
    expect(db?.generation).toMatch(/^[0-9a-f]{16}$/);
    expect(db?.restore_ms).toBeGreaterThan(0);
    expect(db?.bytes).toBeGreaterThan(4096);
    expect(db?.lag_s).toBe(0);
    expect(db?.checks.map((c) => c.name)).toEqual([
      "replica",
      "disk",
      "restore",
      "integrity",
      "foreign_keys",
      "freshness",
      "schema",
      "row_counts",
      "sqlite_sequence",
      "media_freshness",
    ]);
    expect(db?.checks.every((c) => c.ok)).toBe(true);
    expect(result.versions?.litestream).toBe("v0.3.13");
    expect(await readdir(join(host.home, "run", "drills"))).toEqual([]);
  });

  it("prints one line per check and appends the drill to the history", async () => {
    const out = await runCli(host.home, ["drill", "healthy"]);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^healthy: ok in/);
    expect(out.stdout).toMatch(/db\.sqlite3\s+integrity\s+ok\s+integrity_check: ok/);
    expect(out.stdout).toMatch(/db\.sqlite3\s+freshness\s+ok\s+replica 0s behind live/);
    const history = await runCli(host.home, ["drills", "healthy", "--json", "--last", "1"]);
    const data = JSON.parse(history.stdout) as { drills: DrillResult[] };
    expect(data.drills).toHaveLength(1);
    expect(data.drills[0]).toMatchObject({ ok: true, trigger: "cli" });
    expect((await runCli(host.home, ["drills", "healthy"])).stdout).toMatch(/STARTED\s+AGE\s+VERDICT[\s\S]*ok\s+cli/);
  });

  it("pings the success URL of a passing drill and posts no webhook", () => {
    expect(received.filter((r) => r.url === "/ping" && r.method === "GET").length).toBeGreaterThanOrEqual(2);
    expect(received.some((r) => r.method === "POST" && (JSON.parse(r.body) as DrillResult).app === "healthy")).toBe(
      false,
    );
  });

  it("checks a Django app's django_migrations against live", async () => {
    const { exitCode, result } = await drill("dj");
    expect(exitCode).toBe(0);
    expect(checkOf(result, "django_migrations")).toMatchObject({ ok: true, detail: "2 migrations match live" });
    expect(checkOf(result, "fts5")).toMatchObject({ ok: true, detail: "1 FTS5 table(s) pass integrity-check" });
  });

  it("passes --no-live with intrinsic checks and freshness against now", async () => {
    const { exitCode, result } = await drill("healthy", "--no-live");
    expect(exitCode).toBe(0);
    expect(result.live).toBe(false);
    expect(result.databases[0]?.checks.map((c) => c.name)).toEqual([
      "replica",
      "disk",
      "restore",
      "integrity",
      "foreign_keys",
      "freshness",
    ]);
  });

  it('fails with "no replica" when the replica objects are deleted, posts the webhook and pings /fail', async () => {
    await stopLitestream(litestream.get("gone")!);
    await deleteAll(s3.client, s3.bucket, `${host.prefix}/gone/`);
    const { exitCode, result } = await drill("gone");
    expect(exitCode).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.reason).toContain("replica: no replica");
    const hook = received.find(
      (r) => r.method === "POST" && r.url === "/hook" && (JSON.parse(r.body) as DrillResult).app === "gone",
    );
    expect(JSON.parse(hook?.body ?? "{}")).toMatchObject({
      ok: false,
      app: "gone",
      databases: [{ path: "db.sqlite3", ok: false }],
    });
    expect(received.some((r) => r.method === "GET" && r.url === "/ping/fail")).toBe(true);
  });

  it("fails naming the restore error when the snapshot bytes are garbled", async () => {
    await stopLitestream(litestream.get("garbled")!);
    const keys = await listKeys(s3.client, s3.bucket, `${host.prefix}/garbled/`);
    const snapshots = keys.filter((k) => k.endsWith(".snapshot.lz4"));
    expect(snapshots.length).toBeGreaterThan(0);
    for (const Key of snapshots)
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: "definitely not an lz4 frame" }));
    const { exitCode, result } = await drill("garbled");
    expect(exitCode).toBe(1);
    expect(checkOf(result, "restore")).toMatchObject({
      ok: false,
      detail: "litestream restore failed: cannot restore snapshot: lz4: bad magic number",
    });
    expect(result.reason).toContain("restore: litestream restore failed");
    expect(await readdir(join(host.home, "run", "drills"))).toEqual([]);
  });

  it("fails on freshness and row counts when Litestream stopped while the app kept writing", async () => {
    await stopLitestream(litestream.get("stopped")!);
    const db = dbPath(host, "stopped");
    await sql(db, "INSERT INTO items(body) SELECT 'late ' || value FROM generate_series(1, 50);");
    // The scenario: live runs on for more than 2 s past the replica's last write.
    await new Promise((resolve) => setTimeout(resolve, 2600));
    await touchCanary(run, db, new Date());
    const { exitCode, result } = await drill("stopped");
    expect(exitCode).toBe(1);
    expect(checkOf(result, "freshness")?.ok).toBe(false);
    expect(result.databases[0]?.lag_s).toBeGreaterThan(2);
    expect(checkOf(result, "row_counts")).toMatchObject({ ok: false });
    expect(checkOf(result, "row_counts")?.detail).toContain("items 200/250 (beyond the window)");
    expect(checkOf(result, "sqlite_sequence")?.ok).toBe(false);
  });

  it("fails on schema and django_migrations when live was migrated while replication was down", async () => {
    await stopLitestream(litestream.get("dj")!);
    await sql(
      dbPath(host, "dj"),
      `CREATE TABLE notes_tag(id INTEGER PRIMARY KEY, name TEXT);
      INSERT INTO django_migrations(app, name, applied) VALUES ('notes', '0002_tag', '2024-02-01');`,
    );
    const { exitCode, result } = await drill("dj");
    expect(exitCode).toBe(1);
    expect(checkOf(result, "schema")).toMatchObject({ ok: false, detail: "missing from the replica: table notes_tag" });
    expect(checkOf(result, "django_migrations")).toMatchObject({
      ok: false,
      detail: "missing from the replica: notes.0002_tag",
    });
  });
});

describe("canary", () => {
  it("never creates a database that does not exist", async () => {
    const missing = join(host.home, "apps", "healthy", "data", "missing.sqlite3");
    await expect(touchCanary(run, missing, new Date())).rejects.toMatchObject({ code: "DB_MISSING" });
    await expect(readdir(join(host.home, "apps", "healthy", "data"))).resolves.not.toContain("missing.sqlite3");
  });

  it("keeps one row and reads back the time it was touched", async () => {
    const db = dbPath(host, "healthy");
    const at = new Date("2030-01-01T00:00:00.000Z");
    await touchCanary(run, db, at);
    expect(await readCanary(run, db)).toEqual(at);
    expect(await sql(db, "SELECT count(*) FROM _hostctl_canary;")).toBe("1");
  });
});

describe("hostctl drill with S3 down", () => {
  it('fails with "unreachable", never "no replica"', async () => {
    const down = await initHost(`http://127.0.0.1:${await closedPort()}`, "any-bucket");
    await seedDb(await addApp(down, "blog", ["--kind", "generic"]), 10);
    const out = await runCli(down.home, ["drill", "blog", "--json"]);
    expect(out.exitCode).toBe(1);
    const parsed = JSON.parse(out.stdout) as DrillResult;
    expect(parsed.reason).toContain("replica: unreachable");
    expect(parsed.reason).not.toContain("no replica");
  });
});
