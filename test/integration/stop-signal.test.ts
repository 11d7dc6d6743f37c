import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { SupervisedProcess } from "../../src/supervisor/supervised-process.js";
import { systemClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/log.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

afterAll(cleanupTempDirs);

// Like uwsgi: SIGTERM is "reload" (noted, keeps running); SIGINT ends it.
const RELOADS_ON_TERM = `trap 'echo term >> "$TRAIL"' TERM; trap 'echo int >> "$TRAIL"; exit 0' INT; echo up >> "$TRAIL"; while :; do sleep 0.05; done`;

describe("a supervised process's stop signal", () => {
  it("is the one its spec names, so a program that reloads on SIGTERM stops before the grace period ends", async () => {
    const dir = await tempDir("stop-signal");
    await mkdir(join(dir, "pids"));
    const trail = join(dir, "trail");
    const child = new SupervisedProcess(
      {
        app: "t",
        type: "web",
        file: "/bin/sh",
        args: ["-c", RELOADS_ON_TERM],
        cwd: dir,
        env: { PATH: "/usr/bin:/bin", TRAIL: trail },
        logPath: join(dir, "web.log"),
        display: "uwsgi-like",
        stopSignal: "SIGINT",
      },
      {
        log: createLogger("silent"),
        pidsDir: join(dir, "pids"),
        policy: DEFAULT_BACKOFF,
        graceMs: 3000,
        clock: systemClock,
      },
    );
    const lines = async () => (await readFile(trail, "utf8").catch(() => "")).trim().split("\n");
    await child.start();
    try {
      await waitFor("the process up", async () => (await lines()).includes("up"), 10_000, 20);
    } finally {
      await child.stop();
    }
    expect(await lines()).toEqual(["up", "int"]);
    expect(child.status().last_exit).toMatchObject({ code: 0, signal: null });
  });
});
