import { readdir } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { hostPaths } from "../../src/config/paths.js";
import { systemClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/log.js";
import { groupAlive } from "../../src/lib/process-group.js";
import { CaddyProcess, caddyPaths } from "../../src/proxy/caddy-process.js";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { caddyBinary } from "../helpers/tools.js";

afterAll(cleanupTempDirs);

type Moment = "before its process exists" | "while its process starts";

/** A real Caddy (admin on its Unix socket only); `onChange` is what its supervised process reports. */
async function caddyWith(onChange: (caddy: CaddyProcess) => void) {
  const paths = hostPaths(await tempDir("caddy-process"));
  const deps = {
    log: createLogger("silent"),
    pidsDir: paths.pids,
    policy: DEFAULT_BACKOFF,
    graceMs: 2000,
    clock: systemClock,
  };
  const pids = new Set<number>();
  let caddy: CaddyProcess | undefined = undefined;
  caddy = new CaddyProcess(
    { path: caddyBinary(), version: "v2", legacyBuffers: false },
    caddyPaths(paths),
    deps,
    () => {
      if (!caddy) return;
      const pid = caddy.status().pid;
      if (pid !== undefined) pids.add(pid);
      onChange(caddy);
    },
  );
  const config = { admin: { listen: `unix/${caddy.paths.socket}`, config: { persist: false } } };
  const records = async () => (await readdir(paths.pids).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
  return { caddy, config, pids, records };
}

describe("Caddy stopped while it is being started", () => {
  it.each<Moment>(["before its process exists", "while its process starts"])(
    "%s: no Caddy runs once the stop returned",
    async (moment) => {
      let stopped: Promise<void> | undefined;
      const { caddy, config, pids, records } = await caddyWith((it) => {
        if (moment === "while its process starts" && it.status().state === "running") stopped ??= it.stop();
      });
      const started = caddy.start(config);
      if (moment === "before its process exists") stopped = caddy.stop();
      try {
        await started;
        await stopped;
        expect(stopped).toBeDefined();
        expect(caddy.running).toBe(false);
        expect([...pids].filter((pid) => groupAlive(pid))).toEqual([]);
        expect(await records()).toEqual([]);
      } finally {
        await caddy.stop();
      }
    },
  );
});
