import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HostContext } from "../../../src/host/context.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { validateHostConfig } from "../../../src/config/host.js";
import { hostPaths } from "../../../src/config/paths.js";
import { HostctlError } from "../../../src/lib/errors.js";
import { createRunner } from "../../../src/lib/exec.js";
import { createLogger } from "../../../src/lib/log.js";
import { createReplicaStore } from "../../../src/s3/store.js";
import { AppUnit } from "../../../src/supervisor/app-unit.js";
import { DEFAULT_BACKOFF } from "../../../src/supervisor/backoff.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

async function unitWith(clock: FakeClock, afterRestore: () => Promise<void>): Promise<AppUnit> {
  const home = await tempDir("unit");
  const host = validateHostConfig({ replica: { url: `file://${join(home, "replica")}` } }, "hostctl.yml");
  const log = createLogger("silent");
  const ctx: HostContext = {
    paths: hostPaths(home),
    host,
    log,
    run: createRunner(log),
    clock,
    env: {},
    credentials: undefined,
    store: createReplicaStore(host, undefined),
    litestream: "litestream",
  };
  // No databases and no release: the boot runs restore (and the media restore hook), starts nothing.
  const spec = validateAppSpec({ name: "blog", repo: "/r", port: 8001, databases: [] }, "app.yml");
  return new AppUnit(spec, {
    ctx,
    policy: DEFAULT_BACKOFF,
    graceMs: 100,
    hostId: "h:1",
    metricsPort: undefined,
    afterRestore,
    onChange: () => undefined,
  });
}

const unreachable = () => new HostctlError("REPLICA_UNREACHABLE", "media replica unreachable");

describe("AppUnit (the shell of the lifecycle) on a fake clock", () => {
  it("a boot the replica holds back shows waiting with its next retry, is retried when the clock reaches it, and then waits for a release", async () => {
    const clock = new FakeClock(0);
    let failuresLeft = 2;
    const unit = await unitWith(clock, () => (failuresLeft-- > 0 ? Promise.reject(unreachable()) : Promise.resolve()));
    await unit.boot();
    expect(unit.status()).toMatchObject({
      state: "waiting",
      reason: "media replica unreachable; next try in 5 s",
      next_retry_at: new Date(5000).toISOString(),
    });
    await clock.advance(4999);
    expect(failuresLeft).toBe(1);
    await clock.advance(1);
    await waitFor(
      "the retry failed and the next one scheduled",
      () => unit.state === "waiting" && unit.status().next_retry_at !== new Date(5000).toISOString(),
      5000,
      5,
    );
    expect(unit.status()).toMatchObject({ state: "waiting", next_retry_at: new Date(15_000).toISOString() });
    await clock.advance(10_000);
    // The boot passes through restoring and starting: wait for where it settles.
    await waitFor(
      "the second retry done",
      () => unit.status().next_retry_at === undefined && (unit.state === "waiting" || unit.state === "failed"),
      5000,
      5,
    );
    expect(unit.status()).toMatchObject({
      state: "waiting",
      reason: "no release yet: run hostctl deploy blog",
      next_retry_at: undefined,
    });
    expect(clock.timers()).toEqual([]);
  });

  it("a stop cancels the scheduled retry: nothing boots when its time comes", async () => {
    const clock = new FakeClock(0);
    let attempts = 0;
    const unit = await unitWith(clock, () => {
      attempts++;
      return Promise.reject(unreachable());
    });
    await unit.boot();
    await unit.stop("stopped for a test");
    await clock.advance(60_000);
    expect(attempts).toBe(1);
    expect(unit.status()).toMatchObject({ state: "stopped", reason: "stopped for a test", next_retry_at: undefined });
  });

  it("after shutdown() a boot starts nothing", async () => {
    const clock = new FakeClock(0);
    let attempts = 0;
    const unit = await unitWith(clock, () => {
      attempts++;
      return Promise.resolve();
    });
    await unit.shutdown();
    await unit.boot();
    expect(attempts).toBe(0);
    expect(unit.state).toBe("stopped");
  });
});
