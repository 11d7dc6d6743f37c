import { mkdir, readdir } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../src/config/app.js";
import { appPaths } from "../../src/config/paths.js";
import { systemClock } from "../../src/lib/clock.js";
import { embeddedLitestream } from "../../src/litestream/binary.js";
import { writeLitestreamConfigs } from "../../src/litestream/config-files.js";
import { AppLitestream } from "../../src/supervisor/app-litestream.js";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { unitContext } from "../helpers/host-context.js";
import { cleanupTempDirs } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

type Moment = "its metrics port is checked" | "its process starts";

/** An app's real Litestream (0.3, file:// replica); `during` is called once, at `moment` of its start. */
async function litestreamWith(moment: Moment, during: (ls: AppLitestream) => void) {
  const ctx = { ...(await unitContext(systemClock)), litestream: embeddedLitestream() };
  const spec = validateAppSpec(
    { name: "blog", repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }] },
    "app.yml",
  );
  const paths = appPaths(ctx.paths, "blog");
  await mkdir(paths.data, { recursive: true });
  await writeLitestreamConfigs(ctx.paths, ctx.host, [spec]);
  let ls: AppLitestream | undefined = undefined;
  ls = new AppLitestream(spec, paths, {
    ctx,
    policy: DEFAULT_BACKOFF,
    graceMs: 2000,
    hostId: "h:1",
    metricsPort: undefined,
    onChange: () => {
      if (ls && moment === "its process starts") during(ls);
    },
    onMetricsPort: () => {
      if (ls && moment === "its metrics port is checked") during(ls);
    },
  });
  const left = async (dir: string) =>
    (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
  return { ls, records: () => left(ctx.paths.pids), locks: () => left(ctx.paths.locks) };
}

describe("an app's Litestream stopped while it is being started", () => {
  const cases = (["stop", "disable"] as const).flatMap((how) =>
    (["its metrics port is checked", "its process starts"] as const).map((moment) => ({ how, moment })),
  );
  it.each(cases)(
    "by $how while $moment: nothing runs once it returned, and its locks are released",
    async ({ how, moment }) => {
      let stopped: Promise<void> | undefined;
      const { ls, records, locks } = await litestreamWith(moment, (it) => {
        stopped ??= how === "stop" ? it.stop() : it.disable("another host took the lease");
      });
      try {
        await ls.start();
        await stopped;
        expect(stopped).toBeDefined();
        expect(ls.running).toBe(false);
        expect(await records()).toEqual([]);
        expect(await locks()).toEqual([]);
      } finally {
        await ls.stop();
      }
    },
  );
});
