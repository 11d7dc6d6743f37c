import { readFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { appPaths } from "../../../src/config/paths.js";
import { parseLagHistory, lagHistoryPath } from "../../../src/status-page/lag-history.js";
import { LagSampler } from "../../../src/status-page/lag-sampler.js";
import type { AppStatus } from "../../../src/supervisor/control-protocol.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { unitContext } from "../../helpers/host-context.js";
import { cleanupTempDirs } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("the lag sampler", () => {
  it("writes one sample per app 5 s after start and then once a minute, until stopped", async () => {
    const clock = new FakeClock();
    const ctx = await unitContext(clock);
    const paths = appPaths(ctx.paths, "shop");
    await mkdir(paths.root, { recursive: true });
    let lag = 2;
    const app = () =>
      ({
        name: "shop",
        replication: [{ database: "db.sqlite3", lag_s: lag, behind: lag > 0 }],
      }) as unknown as AppStatus;
    const sampler = new LagSampler(ctx, () => [app()]);
    sampler.start();
    await clock.advance(5000);
    lag = 0;
    await clock.advance(60_000);
    await clock.advance(60_000);
    await sampler.stop();
    await clock.advance(120_000);
    const samples = parseLagHistory(await readFile(lagHistoryPath(paths), "utf8"));
    expect(samples.map((s) => [s.t, s.lag_s])).toEqual([
      ["2026-01-01T00:00:05.000Z", 2],
      ["2026-01-01T00:01:00.000Z", 0],
      ["2026-01-01T00:02:00.000Z", 0],
    ]);
  });
});
