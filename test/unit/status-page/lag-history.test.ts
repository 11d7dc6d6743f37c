import { readFile, writeFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { appPaths, hostPaths } from "../../../src/config/paths.js";
import { mkdir } from "node:fs/promises";
import {
  appendLagSample,
  HISTORY_POINTS,
  lagHistoryPath,
  parseLagHistory,
  readLagHistory,
} from "../../../src/status-page/lag-history.js";
import { lagSample } from "../../../src/status-page/lag-sampler.js";
import type { AppStatus } from "../../../src/supervisor/control-protocol.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

async function app() {
  const paths = appPaths(hostPaths(await tempDir("lag")), "shop");
  await mkdir(paths.root, { recursive: true });
  return paths;
}

describe("the lag history file", () => {
  it("keeps at most two days of minutes on disk and answers the last 24 h", async () => {
    const paths = await app();
    const start = Date.parse("2026-03-01T00:00:00Z");
    const lines = Array.from({ length: HISTORY_POINTS * 2 - 1 }, (_, i) =>
      JSON.stringify({ t: new Date(start + i * 60_000).toISOString(), lag_s: i % 7, media_lag_s: null }),
    );
    await writeFile(lagHistoryPath(paths), `${lines.join("\n")}\n`);
    const last = new Date(start + (HISTORY_POINTS * 2 - 1) * 60_000);
    await appendLagSample(paths, { t: last.toISOString(), lag_s: 9, media_lag_s: 1 });
    const kept = parseLagHistory(await readFile(lagHistoryPath(paths), "utf8"));
    expect(kept).toHaveLength(HISTORY_POINTS);
    expect(kept.at(-1)).toEqual({ t: last.toISOString(), lag_s: 9, media_lag_s: 1 });
    const day = await readLagHistory(paths, last);
    expect(day).toHaveLength(HISTORY_POINTS);
    expect(Date.parse(day[0]?.t ?? "")).toBeGreaterThan(last.getTime() - 86_400_000);
  });

  it("skips a torn last line", () => {
    expect(parseLagHistory('{"t":"2026-03-01T00:00:00Z","lag_s":1,"media_lag_s":null}\n{"t":"2026-')).toHaveLength(1);
  });

  it("is empty for an app never sampled", async () => {
    expect(await readLagHistory(await app(), new Date())).toEqual([]);
  });
});

describe("lagSample", () => {
  const base = { name: "shop", state: "running", litestream: { state: "running" } } as unknown as AppStatus;
  it("takes the worst database's lag and the media lag", () => {
    const now = new Date("2026-03-01T00:00:00Z");
    const status = {
      ...base,
      replication: [
        { database: "a", lag_s: 0.5, behind: true },
        { database: "b", lag_s: 3, behind: true },
      ],
      media: { lag_s: 2 },
    } as AppStatus;
    expect(lagSample(status, now)).toEqual({ t: now.toISOString(), lag_s: 3, media_lag_s: 2 });
  });
  it("records an unknown lag as null, not 0", () => {
    expect(lagSample(base, new Date(0)).lag_s).toBeNull();
  });
});
