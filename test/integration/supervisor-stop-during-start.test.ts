import { mkdir } from "node:fs/promises";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/lib/clock.js";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { runUp, type UpFeatures } from "../../src/cli/commands/up.js";
import type { Supervisor } from "../../src/supervisor/supervisor.js";
import { unitContext } from "../helpers/host-context.js";
import { cleanupTempDirs } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

/** Whether something accepts connections on the Unix socket. */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const client = connect(socket);
    client.once("connect", () => {
      client.destroy();
      resolve(true);
    });
    client.once("error", () => resolve(false));
  });
}

/** `up`'s features doing nothing but ask for a stop in attachLoops (as SIGTERM would arrive there), and at releaseLease another. */
function featuresStoppingAt(step: "attachLoops" | "releaseLease"): UpFeatures {
  const none = () => Promise.resolve();
  let supervisor: Supervisor | undefined;
  return {
    releaseHooks: { healthCheck: none, switchCurrent: none },
    appSteps: {},
    takeLease: () => Promise.resolve(true),
    recoverApps: none,
    beginEarlyWork: none,
    attachLoops: (it) => {
      supervisor = it;
      it.requestStop("SIGTERM");
      return Promise.resolve();
    },
    settleEarlyWork: none,
    releaseLease: () => {
      // As a lost lease race reports itself while `up` already stops for SIGTERM.
      if (step === "releaseLease") supervisor?.requestStop("lease race lost", 1);
      return Promise.resolve();
    },
    closeStatusPage: none,
  };
}

describe("a supervisor stopped while it starts", () => {
  it("stops what the start still brings up: its control socket does not listen once the stop returned", async () => {
    const ctx = await unitContext(systemClock);
    await mkdir(ctx.paths.run, { recursive: true }); // as `hostctl init` leaves it, for run/supervisor.json
    // SIGTERM arrives after the apps and the proxy, before the control socket listens.
    const code = await runUp(
      ctx,
      { policy: DEFAULT_BACKOFF, graceMs: 2000, bootConcurrency: 1 },
      featuresStoppingAt("attachLoops"),
    );
    expect(code).toBe(0);
    expect(await answers(ctx.paths.socket)).toBe(false);
  });

  it("exits with the code of a stop requested while it already stops", async () => {
    const ctx = await unitContext(systemClock);
    await mkdir(ctx.paths.run, { recursive: true });
    const code = await runUp(
      ctx,
      { policy: DEFAULT_BACKOFF, graceMs: 2000, bootConcurrency: 1 },
      featuresStoppingAt("releaseLease"),
    );
    expect(code).toBe(1);
  });
});
