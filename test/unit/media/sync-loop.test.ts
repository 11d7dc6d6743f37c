import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appPaths } from "../../../src/config/paths.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { FIRST_SCAN_MS, MediaSyncLoop, type MediaApp } from "../../../src/media/sync-loop.js";
import type { AppFacts } from "../../../src/supervisor/control-protocol.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { unitContext } from "../../helpers/host-context.js";
import { cleanupTempDirs } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

describe("MediaSyncLoop on a fake clock", () => {
  it("the first scan ships the media directory, status reads the shipper at the moment it asks, stop ends the scans", async () => {
    const clock = new FakeClock(Date.now());
    const ctx = await unitContext(clock);
    const spec = validateAppSpec({ name: "blog", repo: "/r", port: 8001 }, "app.yml");
    const paths = appPaths(ctx.paths, "blog");
    await mkdir(join(paths.media, "images"), { recursive: true });
    await writeFile(join(paths.media, "images", "a.jpg"), "jpeg bytes");
    let media: (() => AppFacts["media"]) | undefined;
    const app: MediaApp = { spec, paths, report: (_key, read) => (media = read) };
    const loop = new MediaSyncLoop(ctx, { paused: () => false });
    loop.add(app);
    loop.start();
    expect(media?.()).toMatchObject({ files: 0, pending: 0 });
    await clock.advance(FIRST_SCAN_MS);
    const shipped = await waitFor("the file shipped", () => (media?.()?.files === 1 ? media() : undefined), 5000, 10);
    expect(shipped).toMatchObject({ files: 1, pending: 0, lag_s: 0 });
    expect(loop.lagSeconds("blog")).toBe(0);
    await loop.stop();
    await loop.flush();
    expect(clock.timers()).toEqual([]);
  });
});
