import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { addGenericApp, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitAppRunning,
  waitForSocket,
} from "../helpers/supervisor.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

interface Flood {
  /** Connections the server has closed so far. */
  closed: () => number;
  end: () => void;
}

/**
 * `count` clients on the control socket, each sending its headers at once and then its declared 1000-byte
 * body one byte every 2 s (a slow-body attack); bounded by `end()`.
 */
function slowBodies(socketPath: string, count: number): Flood {
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < count; i++) {
    const socket = connect(socketPath);
    socket.on("error", () => undefined);
    socket.once("close", () => (closed += 1));
    socket.once("connect", () => {
      socket.write(
        "POST /apps/slow/activate HTTP/1.1\r\nHost: hostctl\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
      );
      const drip = setInterval(() => (socket.writable ? socket.write("a") : clearInterval(drip)), 2000);
      socket.once("close", () => clearInterval(drip));
    });
    sockets.push(socket);
  }
  return { closed: () => closed, end: () => sockets.forEach((s) => s.destroy()) };
}

describe("slow request bodies on the control socket", () => {
  it("with 400 descriptors, 450 slow bodies leave status, replication and the supervisor's work intact", async () => {
    const home = join(await tempDir(), "home");
    expect((await runCli(home, ["init", "--replica-url", `file://${await tempDir("replica")}`])).exitCode).toBe(0);
    const add = await addGenericApp(home, "slow", "/unused");
    expect(add.exitCode, add.stderr).toBe(0);
    await installRelease(home, "slow", "generic-app");
    // As `ulimit -n 400` before `hostctl up`: soft and hard limit both 400.
    const sup = await startSupervisor(home, {}, undefined, [], ["prlimit", "--nofile=400:400", "--"]);
    await waitForSocket(home);
    await waitAppRunning(home, sup, 30_000);
    const app = (await hostStatus(home)).apps[0];
    const litestreamPid = app?.litestream.pid;
    await waitAnswering(app?.port ?? 0);
    const flood = slowBodies(join(home, "run", "hostctl.sock"), 450);
    try {
      // The supervisor holds an eighth of its 400 descriptors for control connections: the other 400 are closed.
      await waitFor("all but 50 slow clients closed", () => flood.closed() >= 400 || undefined, 15_000, 100);
      const status = await runCli(home, ["status", "--json"]);
      expect(status.exitCode, status.stderr).toBe(0);
      expect((JSON.parse(status.stdout) as { apps: { state: string }[] }).apps[0]?.state).toBe("running");
      // A write during the flood is shipped: the supervisor still reads Litestream's metrics and sees it caught up.
      expect((await httpPost(app?.port ?? 0, "/rows", "body=during-flood")).status).toBe(201);
      await waitFor(
        "the write shipped",
        async () => (await hostStatus(home)).apps[0]?.replication?.every((r) => !r.behind) || undefined,
        30_000,
        500,
      );
      // Every slow client is cut off within the request deadline (15 s), not kept for its 2000 s.
      await waitFor("every slow body cut off", () => flood.closed() === 450 || undefined, 25_000, 500);
      const after = (await hostStatus(home)).apps[0];
      expect(after?.litestream.pid).toBe(litestreamPid);
      const log = await sup.log();
      expect(log).toContain('"event":"supervisor.open_files_low","limit":400');
      expect(log).not.toContain("EMFILE");
      expect(log).not.toContain("litestream.stalled");
    } finally {
      flood.end();
    }
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 120_000);
});
