import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { restoreMediaFirst } from "../../src/cli/wiring/host.js";
import { validateAppSpec } from "../../src/config/app.js";
import { appPaths } from "../../src/config/paths.js";
import type { HostContext } from "../../src/host/context.js";
import { systemClock } from "../../src/lib/clock.js";
import { mediaKey } from "../../src/media/replica-keys.js";
import { MediaRestoreGate } from "../../src/media/restore-gate.js";
import type { DatabaseRestore } from "../../src/restore/restore-app.js";
import { unitContext } from "../helpers/host-context.js";
import { cleanupTempDirs } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

const spec = validateAppSpec({ name: "blog", repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }] }, "app.yml");
const restored: DatabaseRestore[] = [{ path: "db.sqlite3", action: "restored", restore_ms: 1 }];
const present: DatabaseRestore[] = [{ path: "db.sqlite3", action: "present" }];

/** A host whose replica holds one media file of the app; counts the media restores (the gate's listeners hear each end). */
async function host(): Promise<{ ctx: HostContext; gate: MediaRestoreGate; restores: () => number; media: string }> {
  const ctx = await unitContext(systemClock);
  await ctx.store.put(mediaKey(ctx.store.target, "blog", "images/a.jpg"), Buffer.from("jpeg bytes"));
  const gate = new MediaRestoreGate();
  let count = 0;
  gate.onRestored(() => count++);
  return { ctx, gate, restores: () => count, media: appPaths(ctx.paths, "blog").media };
}

// Restore-on-boot's media: begun beside the databases' restore when this host has none, awaited after it.
describe("media restored before an app starts", () => {
  it("begins beside the databases' restore when the host has no media, and is not run again after it", async () => {
    const { ctx, gate, restores, media } = await host();
    const recovered = new Set<string>();
    const first = restoreMediaFirst(ctx, recovered, gate);
    first.begin(spec);
    await first.after(spec, restored);
    expect(await readFile(join(media, "images", "a.jpg"), "utf8")).toBe("jpeg bytes");
    expect(restores()).toBe(1);
    expect([...recovered]).toEqual(["blog"]);
  });

  it("leaves media the host has alone when no database was restored", async () => {
    const { ctx, gate, restores, media } = await host();
    await mkdir(media, { recursive: true });
    const first = restoreMediaFirst(ctx, new Set(), gate);
    first.begin(spec);
    await first.after(spec, present);
    expect(restores()).toBe(0);
  });

  it("a retried boot waits for the restore its failed boot began instead of running a second beside it", async () => {
    const { ctx, gate, restores, media } = await host();
    const first = restoreMediaFirst(ctx, new Set(), gate);
    first.begin(spec); // this boot's databases fail: `after` never comes for it
    first.begin(spec); // the retry
    await first.after(spec, present);
    expect(restores()).toBe(1);
    expect(await readFile(join(media, "images", "a.jpg"), "utf8")).toBe("jpeg bytes");
    await first.settle();
  });

  it("a restore begun for a boot that never got to `after` is awaited at shutdown", async () => {
    const { ctx, gate, restores, media } = await host();
    const first = restoreMediaFirst(ctx, new Set(), gate);
    first.begin(spec);
    await first.settle();
    expect(restores()).toBe(1);
    expect(await readFile(join(media, "images", "a.jpg"), "utf8")).toBe("jpeg bytes");
  });
});
