import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appPaths, hostPaths } from "../../../src/config/paths.js";
import type { AppSpec } from "../../../src/config/schema.js";
import type { HostContext } from "../../../src/host/context.js";
import { systemClock } from "../../../src/lib/clock.js";
import { writeReleaseMeta } from "../../../src/deploy/releases.js";
import { rollbackApp, rolledBackPath } from "../../../src/deploy/rollback.js";
import { switchCurrent } from "../../../src/deploy/switch.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

/** A home with releases v1 and v2 (live), as deploys leave them. */
async function twoReleases() {
  const paths = hostPaths(await tempDir("rollback"));
  const app = appPaths(paths, "blog");
  const ids = ["20250101T000000Z-aaaaaa1", "20250102T000000Z-aaaaaa2"];
  for (const [i, id] of ids.entries()) {
    const dir = join(app.releases, id);
    await mkdir(dir, { recursive: true });
    const commit = `aaaaaa${i + 1}${"0".repeat(33)}`;
    await writeReleaseMeta(dir, {
      id,
      commit,
      message: `v${i + 1}`,
      ref: "main",
      deployed_at: "",
      activated_at: [`t${i + 1}`],
    });
    await switchCurrent(app, dir, new Date());
  }
  const ctx = { paths, clock: systemClock } as unknown as HostContext;
  return { app, ctx, spec: { name: "blog" } as AppSpec };
}

describe("a rollback's record for polling", () => {
  it("is on disk before the switch, so a poll that sees the older release live leaves the newer commit alone", async () => {
    const { app, ctx, spec } = await twoReleases();
    let atSwitch: string | undefined;
    const supervisor = {
      appRuntime: () => Promise.resolve(undefined),
      activate: async () => {
        atSwitch = await readFile(rolledBackPath(app), "utf8").catch(() => undefined);
        return { ok: true, gap_s: 0 };
      },
    };
    await rollbackApp(spec, ctx, { supervisor, force: true });
    expect(JSON.parse(atSwitch ?? "{}")).toMatchObject({ from_commit: `aaaaaa2${"0".repeat(33)}` });
  });

  it("is put back as it was when the switch fails", async () => {
    const { app, ctx, spec } = await twoReleases();
    const supervisor = {
      appRuntime: () => Promise.resolve(undefined),
      activate: () => Promise.resolve({ ok: false, gap_s: 0, error: "unhealthy" }),
    };
    await expect(rollbackApp(spec, ctx, { supervisor, force: true })).rejects.toThrow(/unhealthy/);
    await expect(readFile(rolledBackPath(app), "utf8")).rejects.toThrow(/ENOENT/);
  });
});
