import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, freePort, waitAnswering } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { appsRunning, killAllSupervisors, killHost, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { sql } from "../helpers/sqlite.js";
import { ENGINES, engineEnv } from "../helpers/engines.js";

const SYNC_INTERVAL_MS = 1000; // hostctl's default litestream.sync_interval
const WRITERS = 4;
const WRITE_FOR_MS = 4000; // the kill comes this long into the stream
const MAX_ROWS = 20_000; // bounds the load whatever the machine's speed

let bucket: string;
let endpoint: string;
let client: Awaited<ReturnType<typeof newBucket>>["client"];
let repo: TestRepo;
let port: number;

interface Ack {
  seq: number;
  at: number;
}

/** Writers POST numbered rows to the app until told to stop or a request fails (the host is gone). */
function startWriters(stop: { now: boolean }): Promise<Ack[]> {
  const acks: Ack[] = [];
  let next = 0;
  const writer = async () => {
    while (!stop.now && next < MAX_ROWS) {
      const seq = ++next;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/rows`, {
          method: "POST",
          body: String(seq),
          signal: AbortSignal.timeout(5000),
        });
        if (res.status !== 201) return;
        await res.arrayBuffer();
        acks.push({ seq, at: Date.now() });
      } catch {
        return;
      }
    }
  };
  return Promise.all(Array.from({ length: WRITERS }, writer)).then(() => acks);
}

beforeAll(async () => {
  ({ bucket, endpoint, client } = await newBucket());
  repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  port = await freePort();
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe.each(ENGINES)("RPO under load (Litestream %s)", (line) => {
  const env = { ...TEST_CREDENTIALS, ...engineEnv(line) };
  it("every row acknowledged more than sync_interval + 1 s before a SIGKILL of the whole host is on the recovered host", async () => {
    const hostA = join(await tempDir(), "host-a");
    const replica = ["--replica-url", `s3://${bucket}/rpo-${line}`, "--s3-endpoint", endpoint, "--s3-force-path-style"];
    expect((await runCli(hostA, ["init", ...replica], { env })).exitCode).toBe(0);
    expect(
      (
        await runCli(hostA, [
          "app",
          "add",
          "gen",
          "--kind",
          "generic",
          "--repo",
          repo.dir,
          "--port",
          String(port),
          "--db",
          "db.sqlite3",
        ])
      ).exitCode,
    ).toBe(0);
    const a = await startSupervisor(hostA, env);
    await waitForSocket(hostA);
    await waitFor("host A serving", () => appsRunning(hostA, 1), 60_000);
    await waitAnswering(port);
    // Rows count as replicated only once the database's first snapshot (0.3) or LTX file (0.5) is in S3.
    await waitFor(
      "the database's first sync to the replica",
      async () =>
        (await listKeys(client, bucket, `rpo-${line}/gen/`)).some((key) => /\.(snapshot\.lz4|ltx)$/.test(key)),
      30_000,
      100,
    );

    const stop = { now: false };
    const writing = startWriters(stop);
    await new Promise((resolve) => setTimeout(resolve, WRITE_FOR_MS));
    await killHost(hostA, a);
    const killedAt = Date.now();
    stop.now = true;
    const acks = await writing;
    await rm(hostA, { recursive: true, force: true });

    const hostB = join(await tempDir(), "host-b");
    expect((await runCli(hostB, ["init", ...replica], { env })).exitCode).toBe(0);
    const b = await startSupervisor(hostB, env, join(await tempDir(), "b.log"), ["--takeover"]);
    await waitForSocket(hostB);
    await waitFor("host B serving", () => appsRunning(hostB, 1), 90_000);
    expect(await b.stop("SIGTERM")).toBe(0);

    const db = join(hostB, "apps", "gen", "data", "db.sqlite3");
    const present = new Set((await sql(db, "SELECT body FROM rows;", true)).split("\n").filter(Boolean).map(Number));
    const cutoff = killedAt - (SYNC_INTERVAL_MS + 1000);
    const mustSurvive = acks.filter((ack) => ack.at < cutoff);
    const lost = acks.filter((ack) => !present.has(ack.seq));
    const lostTooOld = mustSurvive.filter((ack) => !present.has(ack.seq));
    const window = lost.length ? killedAt - Math.min(...lost.map((ack) => ack.at)) : 0;
    console.log(
      `RPO under load (Litestream ${line}): ${acks.length} rows acknowledged in ${WRITE_FOR_MS} ms by ${WRITERS} writers; ` +
        `${present.size} on the recovered host; ${lost.length} acknowledged rows lost, all acknowledged within ${window} ms before the kill`,
    );

    expect(mustSurvive.length).toBeGreaterThan(100);
    expect(lostTooOld).toEqual([]);
    // Nothing appears that was never written.
    expect([...present].every((seq) => seq >= 1 && seq <= MAX_ROWS)).toBe(true);
  }, 180_000);
});
