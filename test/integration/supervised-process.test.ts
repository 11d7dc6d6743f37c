import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { SupervisedProcess } from "../../src/supervisor/supervised-process.js";
import { systemClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/log.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

afterAll(cleanupTempDirs);

const POLICY = { ...DEFAULT_BACKOFF, baseMs: 20, maxMs: 20, crashloopRestarts: 100 };

/** A process that writes "run" to `trail` and exits 3, restarted every 20 ms; log lines in `lines`. */
async function exitingProcess(beforeRestart: () => Promise<void>) {
  const dir = await tempDir("supervised");
  await mkdir(join(dir, "pids"));
  const trail = join(dir, "trail");
  const lines: string[] = [];
  const log = createLogger("info", { write: (line: string) => void lines.push(line) });
  const child = new SupervisedProcess(
    {
      app: "t",
      type: "worker",
      file: "/bin/sh",
      args: ["-c", `echo run >> '${trail}'; exit 3`],
      cwd: dir,
      env: { PATH: "/usr/bin:/bin" },
      logPath: join(dir, "worker.log"),
      display: "sh -c …",
    },
    { log, pidsDir: join(dir, "pids"), policy: POLICY, graceMs: 1000, clock: systemClock },
    () => undefined,
    beforeRestart,
  );
  const runs = async () => (await readFile(trail, "utf8").catch(() => "")).trim().split("\n").filter(Boolean);
  return { child, trail, lines, runs };
}

describe("a supervised process's beforeRestart", () => {
  it("runs after each exit and before the next start, never before the first", async () => {
    let trailFile = "";
    const { child, trail, runs } = await exitingProcess(() => appendFile(trailFile, "hook\n"));
    trailFile = trail;
    await child.start();
    try {
      await waitFor("three runs", async () => (await runs()).filter((l) => l === "run").length >= 3, 10_000, 20);
    } finally {
      await child.stop();
    }
    const seen = await runs();
    expect(seen[0]).toBe("run");
    // Strictly alternating: every restart is preceded by the hook.
    seen.forEach((line, i) => expect(line).toBe(i % 2 === 0 ? "run" : "hook"));
  });

  it("that fails is logged, and the process is restarted all the same", async () => {
    const { child, lines, runs } = await exitingProcess(() => Promise.reject(new Error("no storage")));
    await child.start();
    try {
      await waitFor("a restart", async () => (await runs()).length >= 2, 10_000, 20);
    } finally {
      await child.stop();
    }
    expect(lines.join("")).toContain('"event":"process.before_restart_failed"');
    expect(lines.join("")).toContain("no storage");
  });
});

describe("a process the OS refuses to start", () => {
  it("is tried again within seconds, never at the crashloop's one-minute pace, and runs once it can", async () => {
    const dir = await tempDir("supervised");
    await mkdir(join(dir, "pids"));
    // Its working directory is missing: spawn fails (ENOENT) before the program runs, as EMFILE would.
    const cwd = join(dir, "later");
    const lines: string[] = [];
    const log = createLogger("info", { write: (line: string) => void lines.push(line) });
    const policy = { ...DEFAULT_BACKOFF, baseMs: 20, maxMs: 60_000, crashloopRestarts: 5 };
    const child = new SupervisedProcess(
      {
        app: "t",
        type: "litestream",
        file: "/bin/sleep",
        args: ["30"],
        cwd,
        env: { PATH: "/usr/bin:/bin" },
        logPath: join(dir, "litestream.log"),
        display: "sleep 30",
      },
      { log, pidsDir: join(dir, "pids"), policy, graceMs: 1000, clock: systemClock },
    );
    const failures = () => lines.filter((l) => l.includes('"event":"process.spawn_failed"')).length;
    await child.start();
    try {
      await waitFor("eight refused starts", () => failures() >= 8 || undefined, 10_000, 20);
      expect(child.state).not.toBe("crashloop");
      const next = Date.parse(child.status().next_restart_at ?? "");
      expect(next - Date.now()).toBeLessThanOrEqual(5 * policy.baseMs);
      expect(lines.join("")).toContain("ENOENT");
      await mkdir(cwd);
      await waitFor("the process running", () => child.running || undefined, 5_000, 20);
    } finally {
      await child.stop();
    }
  });
});
