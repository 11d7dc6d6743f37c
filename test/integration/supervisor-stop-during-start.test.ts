import { mkdir } from "node:fs/promises";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/lib/clock.js";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { runUp, type UpFeatures } from "../../src/cli/commands/up.js";
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

/** `up`'s features doing nothing but ask for a stop where `attach` says (as SIGTERM would arrive there). */
function featuresStoppingAt(step: "attachLoops"): UpFeatures {
  const none = () => Promise.resolve();
  return {
    releaseHooks: { healthCheck: none, switchCurrent: none },
    appSteps: {},
    takeLease: () => Promise.resolve(true),
    recoverApps: none,
    beginEarlyWork: none,
    attachLoops: (supervisor) => {
      if (step === "attachLoops") supervisor.requestStop("SIGTERM");
      return Promise.resolve();
    },
    settleEarlyWork: none,
    releaseLease: none,
    closeStatusPage: none,
  };
}

describe("a supervisor stopped while it starts", () => {
  it("stops what the start still brings up: its control socket does not listen once the stop returned", async () => {
    const ctx = await unitContext(systemClock);
    await mkdir(ctx.paths.run, { recursive: true }); // as `hostctl init` leaves it, for run/supervisor.json
    // SIGTERM arrives after the apps and the proxy, before the control socket listens.
    const code = await runUp(ctx, { policy: DEFAULT_BACKOFF, graceMs: 2000, bootConcurrency: 1 }, featuresStoppingAt("attachLoops"));
    expect(code).toBe(0);
    expect(await answers(ctx.paths.socket)).toBe(false);
  });
});
