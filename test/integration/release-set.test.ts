import { mkdir, readdir } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../src/config/app.js";
import { appPaths, hostPaths } from "../../src/config/paths.js";
import { systemClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/log.js";
import { groupAlive } from "../../src/lib/process-group.js";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { ReleaseProcessSet } from "../../src/supervisor/release-set.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("a release's process set stopped while it is being started", () => {
  it("starts no process after the stop, and every one it started is ended when the stop returns", async () => {
    const home = await tempDir("release-set");
    const paths = hostPaths(home);
    await mkdir(paths.pids, { recursive: true });
    const spec = validateAppSpec({ name: "blog", repo: "/r", port: 8001 }, "app.yml");
    const set = new ReleaseProcessSet(home, 8001);
    const pids = new Set<number>();
    let stopped: Promise<void> | undefined;
    const deps = {
      log: createLogger("silent"),
      pidsDir: paths.pids,
      policy: DEFAULT_BACKOFF,
      graceMs: 2000,
      clock: systemClock,
    };
    const onChange = () => {
      for (const { pid } of set.status()) if (pid !== undefined) pids.add(pid);
      // The first process reported running: the set is mid-start.
      if (set.states().includes("running")) stopped ??= set.stop();
    };
    const processes = { web: "sleep 60", worker: "sleep 61", clock: "sleep 62" };
    try {
      await set.start(
        {
          spec,
          paths: appPaths(paths, "blog"),
          releaseDir: home,
          port: 8001,
          processes,
          env: { PATH: "/usr/bin:/bin" },
          blueGreen: false,
        },
        deps,
        onChange,
        () => false,
      );
      await stopped;
      expect(stopped).toBeDefined();
      expect(pids.size).toBe(1);
      expect([...pids].filter((pid) => groupAlive(pid))).toEqual([]);
      expect(await readdir(paths.pids)).toEqual([]);
      expect(set.size).toBe(0);
    } finally {
      await set.stop();
    }
  });
});
