import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/lib/clock.js";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
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

describe("a supervisor stopped while it starts", () => {
  it("stops what the start still brings up: its control socket does not listen once the stop returned", async () => {
    const ctx = await unitContext(systemClock);
    let stopped: Promise<void> | undefined;
    const supervisor = new Supervisor(ctx, {
      policy: DEFAULT_BACKOFF,
      graceMs: 2000,
      bootConcurrency: 1,
      // SIGTERM arrives after the apps and the proxy, before the control socket listens.
      extend: (it) => {
        stopped = it.stop();
      },
    });
    try {
      await supervisor.start();
      await stopped;
      expect(stopped).toBeDefined();
      expect(await answers(ctx.paths.socket)).toBe(false);
    } finally {
      await supervisor.stop();
    }
  });
});
