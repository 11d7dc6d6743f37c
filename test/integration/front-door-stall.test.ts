import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { addGenericApp, installRelease } from "../helpers/apps.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitAppRunning,
  waitForSocket,
} from "../helpers/supervisor.js";
import { caddyRoot, frontRequest, initWithFrontDoor } from "../helpers/front-door.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("a stalled front door", () => {
  it("a SIGSTOPped Caddy is reported, killed and restarted, and the site answers again", async () => {
    const home = join(await tempDir(), "home");
    const { init, https } = await initWithFrontDoor(home, ["--replica-url", `file://${await tempDir("replica")}`]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect((await addGenericApp(home, "stall", "/unused", ["--domain", "stall.test"])).exitCode).toBe(0);
    await installRelease(home, "stall", "generic-app");
    // Probes every 300 ms, three in a row unanswered: a stall is acted on within about a second.
    const sup = await startSupervisor(home, { HOSTCTL_PROXY_PROBE_MS: "300", HOSTCTL_PROXY_PROBE_FAILURES: "3" });
    await waitForSocket(home);
    await waitAppRunning(home, sup, 30_000);
    const ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
    const site = () => frontRequest({ host: "stall.test", port: https, path: "/", ca, timeoutMs: 2000 });
    await waitFor(
      "the site through the front door",
      async () => (await site().catch(() => undefined))?.status === 200 || undefined,
    );
    const stalled = (await hostStatus(home)).proxy.pid ?? 0;
    expect(stalled).toBeGreaterThan(0);
    process.kill(stalled, "SIGSTOP");
    try {
      await expect(site()).rejects.toThrow();
      const seen = await waitFor(
        "status to say it stalled",
        async () => {
          const proxy = (await hostStatus(home)).proxy;
          return (proxy.state === "unresponsive" || (proxy.stall_restarts ?? 0) > 0) && proxy;
        },
        15_000,
        100,
      );
      expect(seen.state === "unresponsive" ? seen.reason : "restarted").toMatch(/no answer|restarted/);
      const answer = await waitFor(
        "the site again",
        async () => (await site().catch(() => undefined))?.status === 200 || undefined,
        20_000,
      );
      expect(answer).toBe(true);
      const proxy = (await hostStatus(home)).proxy;
      expect(proxy.stall_restarts).toBe(1);
      expect(proxy.pid).not.toBe(stalled);
      expect(proxy.state).toBe("running");
      expect(await sup.log()).toContain('"event":"proxy.stalled"');
      const status = await runCli(home, ["status"]);
      expect(status.stdout).toMatch(/stalled: did not answer its probes; killed and restarted 1×/);
      const doctor = await runCli(home, ["doctor"]);
      expect(doctor.stdout).toMatch(/proxy answers its probes\s+ok\s+.*stalled and was restarted 1×/);
    } finally {
      try {
        process.kill(stalled, "SIGCONT");
      } catch {
        // Killed by the watch, as it should be.
      }
    }
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 120_000);
});
