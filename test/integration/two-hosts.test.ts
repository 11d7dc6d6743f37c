import { readdir } from "node:fs/promises";
import { pathExists } from "../../src/lib/fs.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, getJson, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, httpGet, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import {
  hostStatus,
  killAllSupervisors,
  killHost,
  type RunningSupervisor,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";
import type { SupervisorStatus } from "../../src/supervisor/control-protocol.js";

const env = TEST_CREDENTIALS;
let hostA: string;
let hostB: string;
let s3: Awaited<ReturnType<typeof newBucket>>;

async function newHost(replicaUrl: string, endpoint: string): Promise<string> {
  const home = join(await tempDir(), "home");
  expect(
    (
      await runCli(home, ["init", "--replica-url", replicaUrl, "--s3-endpoint", endpoint, "--s3-force-path-style"], {
        env,
      })
    ).exitCode,
  ).toBe(0);
  // Each host serves on its own port here: both run on this one test machine.
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "shop",
        "--kind",
        "generic",
        "--repo",
        "/unused",
        "--port",
        String(await freePort()),
        "--db",
        "db.sqlite3",
      ])
    ).exitCode,
  ).toBe(0);
  await installRelease(home, "shop", "generic-app");
  return home;
}

async function shop(home: string) {
  return (await hostStatus(home)).apps[0];
}

async function startRunning(home: string, args: string[] = []): Promise<RunningSupervisor> {
  const sup = await startSupervisor(home, env, join(await tempDir(), "up.log"), args);
  await waitForSocket(home);
  await waitFor("shop running", async () => (await shop(home))?.state === "running", 30_000);
  await waitAnswering((await shop(home))!.port);
  return sup;
}

/** `up --no-wait` on a host whose replica lease another host holds: exit 1 at once, naming the holder. */
async function refusedBy(home: string): Promise<string> {
  const sup = await startSupervisor(home, env, join(await tempDir(), "refused.log"), ["--no-wait"]);
  expect((await sup.child).exitCode).toBe(1);
  return sup.log();
}

beforeAll(async () => {
  s3 = await newBucket();
  const { endpoint, bucket } = s3;
  hostA = await newHost(`s3://${bucket}/one`, endpoint);
  hostB = await newHost(`s3://${bucket}/one`, endpoint);
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("one live host per replica prefix", () => {
  it("the second host refuses while the first runs (waiting, or at once with --no-wait), and proceeds once the first stops gracefully", async () => {
    const a = await startRunning(hostA);
    expect(await refusedBy(hostB)).toMatch(/error\[LEASE_HELD\]: .*held by .* since .*last heartbeat \d+s ago/);
    const b = await startSupervisor(hostB, env, join(await tempDir(), "waiting.log"));
    await waitFor(
      "host B to say it waits for the lease",
      async () => (await b.log()).includes('"event":"lease.waiting"'),
      30_000,
    );
    expect(await b.log()).toMatch(/held by .* since .*waiting for its release or expiry/);
    // Nothing of B's starts meanwhile: no database file, no control socket, still running.
    expect(await pathExists(join(hostB, "apps", "shop", "data", "db.sqlite3"))).toBe(false);
    expect(await pathExists(join(hostB, "run", "hostctl.sock"))).toBe(false);
    expect(b.child.exitCode).toBeNull();
    // `hostctl status` on B says what it waits for.
    const waiting = await runCli(hostB, ["status", "--json"]);
    expect(waiting.exitCode, waiting.stderr).toBe(0);
    const shown = JSON.parse(waiting.stdout) as {
      supervisor: null;
      waiting_for_lease?: { pid: number; reason: string };
    };
    expect(shown.waiting_for_lease?.pid).toBe(b.child.pid);
    expect(shown.waiting_for_lease?.reason).toMatch(/held by .* since/);
    expect((await runCli(hostB, ["status"])).stdout).toMatch(/is waiting for the replica lease since .*held by/);
    expect(await a.stop("SIGTERM")).toBe(0);
    await waitForSocket(hostB);
    await waitFor("shop running on B", async () => (await shop(hostB))?.state === "running", 30_000);
    await waitAnswering((await shop(hostB))!.port);
    expect(await pathExists(join(hostB, "run", "lease-wait.json"))).toBe(false);
    expect(await b.stop("SIGTERM")).toBe(0);
  });

  it("two hosts starting at once on a free lease: one runs, the other exits 1 without having started Litestream", async () => {
    const { endpoint, bucket } = s3;
    const [c, d] = await Promise.all([
      newHost(`s3://${bucket}/race`, endpoint),
      newHost(`s3://${bucket}/race`, endpoint),
    ]);
    // The lease's confirming pause overlaps the restore: whichever host loses (at its first read, or at its
    // read-back after the pause), its Litestream never started, so it wrote nothing to the replica.
    const started = await Promise.all(
      [c, d].map(async (home) => startSupervisor(home, env, join(await tempDir(), "race.log"), ["--no-wait"])),
    );
    const exited = await Promise.race(started.map(async (sup, i) => ({ i, code: (await sup.child).exitCode })));
    expect(exited.code).toBe(1);
    const loser = [c, d][exited.i]!;
    const winner = [c, d][1 - exited.i]!;
    expect(await started[exited.i]!.log()).toMatch(/LEASE_HELD|lease\.race_lost/);
    expect(await pathExists(join(loser, "apps", "shop", "logs", "litestream.log"))).toBe(false);
    await waitForSocket(winner);
    await waitFor("shop running on the winner", async () => (await shop(winner))?.state === "running", 30_000);
    expect((await shop(winner))?.litestream.state).toBe("running");
    expect(await started[1 - exited.i]!.stop("SIGTERM")).toBe(0);
  });

  it("after the first is killed, the second takes over at once with --takeover; the first, revived, is refused as replaced (naming hostctl rejoin)", async () => {
    const a = await startRunning(hostA);
    await killHost(hostA, a);
    // A's lease stays fresh for its TTL: a plain `up` waits; SIGTERM ends the wait (exit 0, nothing started).
    const waiting = await startSupervisor(hostB, env, join(await tempDir(), "waiting.log"));
    await waitFor(
      "host B to say it waits for the lease",
      async () => (await waiting.log()).includes('"event":"lease.waiting"'),
      30_000,
    );
    expect(await waiting.stop("SIGTERM")).toBe(0);
    expect(await pathExists(join(hostB, "run", "hostctl.sock"))).toBe(false);
    expect(await refusedBy(hostB)).toContain("LEASE_HELD");
    const b = await startRunning(hostB, ["--takeover"]);
    const refused = await refusedBy(hostA);
    expect(refused).toContain("LEASE_SUPERSEDED");
    expect(refused).toContain("hostctl rejoin");
    expect((await shop(hostB))?.litestream.state).toBe("running");
    expect(await b.stop("SIGTERM")).toBe(0);
    // Released by B, the lease still does not go back to A: it was replaced, not handed over.
    expect(await refusedBy(hostA)).toContain("LEASE_SUPERSEDED");
    expect((await runCli(hostA, ["rejoin"], { env })).exitCode).toBe(0);
  });

  it("a running host that finds its lease taken stops replicating and says so, and keeps serving", async () => {
    const a = await startRunning(hostA);
    const b = await startRunning(hostB, ["--takeover"]);
    const lost = await waitFor(
      "host A to notice",
      async () => {
        const app = await shop(hostA);
        return app?.litestream.state === "disabled" ? app : undefined;
      },
      30_000,
    );
    expect(lost.reason).toMatch(/lease/);
    const status = await hostStatus<SupervisorStatus & { lease: { state: string } }>(hostA);
    expect(status.lease.state).toBe("lost");
    expect((await httpGet(lost.port, "/")).body).toBe("generic ok");
    expect((await shop(hostB))?.litestream.state).toBe("running");
    // The replaced host leaves the registry to the live one: its env change stays local.
    const set = await runCli(hostA, ["env", "set", "shop", "ONLY_ON_A=1"], { env });
    expect(set.exitCode).toBe(0);
    expect(set.stderr).toMatch(/registry .* was not changed: the replica is held by/);
    const entry = await getJson<{ env_keys: string[] }>(s3.client, s3.bucket, "one/_hostctl/registry/shop.json");
    expect(entry.env_keys).not.toContain("ONLY_ON_A");
    expect(await a.stop("SIGTERM")).toBe(0);
    expect(await b.stop("SIGTERM")).toBe(0);
  });

  it("a host replaced while it ran comes back only after hostctl rejoin, on the newer rows; after a graceful handover the other host sets its older databases aside by itself", async () => {
    const b = await startRunning(hostB);
    const portB = (await shop(hostB))!.port;
    for (let i = 0; i < 3; i++) expect((await httpPost(portB, "/rows", `b ${i}`)).status).toBe(201);
    const rowsOnB = (JSON.parse((await httpGet(portB, "/rows")).body) as { count: number }).count;
    expect(await b.stop("SIGTERM")).toBe(0);

    expect(await refusedBy(hostA)).toContain("LEASE_SUPERSEDED");
    expect((await runCli(hostA, ["rejoin"], { env })).exitCode).toBe(0);
    const a = await startRunning(hostA);
    const portA = (await shop(hostA))!.port;
    expect((JSON.parse((await httpGet(portA, "/rows")).body) as { count: number }).count).toBe(rowsOnB);
    expect((await readdir(join(hostA, "apps", "shop", "data"))).some((f) => /^db\.sqlite3\.stale-/.test(f))).toBe(true);
    expect((await httpPost(portA, "/rows", "a")).status).toBe(201);
    expect(await a.stop("SIGTERM")).toBe(0);

    const again = await startRunning(hostB);
    expect((JSON.parse((await httpGet(portB, "/rows")).body) as { count: number }).count).toBe(rowsOnB + 1);
    expect((await readdir(join(hostB, "apps", "shop", "data"))).some((f) => /^db\.sqlite3\.stale-/.test(f))).toBe(true);
    expect(await again.stop("SIGTERM")).toBe(0);
  });
});
