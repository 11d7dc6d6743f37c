import { appendFile, mkdir, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF } from "../../src/supervisor/backoff.js";
import { SupervisedProcess, type StartStep } from "../../src/supervisor/supervised-process.js";
import { groupAlive } from "../../src/lib/process-group.js";
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

/** Holds the start of the child's `run`-th run (1: first start, 2: first restart) at `step` until `open()`. */
function gateAt(step: StartStep, run: number) {
  let runs = 0;
  let reach = () => undefined as void;
  let open = () => undefined as void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  const hook = async (at: StartStep) => {
    // A start begins by opening its log, a restart by its beforeRestart hook.
    if (at === "open_log" || at === "before_restart") runs += 1;
    if (at !== step || runs !== run) return;
    reach();
    await opened;
  };
  return { reached, open, hook };
}

/** A child that appends its pid to `trail`, exits 3 on its first run when `exitsOnce`, then sleeps. */
async function gatedProcess(gate: ReturnType<typeof gateAt>, exitsOnce: boolean) {
  const dir = await tempDir("supervised");
  const pids = join(dir, "pids");
  await mkdir(pids);
  const trail = join(dir, "trail");
  const child = new SupervisedProcess(
    {
      app: "t",
      type: "worker",
      file: "/bin/sh",
      // Shell builtins only: a killed shell leaves no grandchild behind for init to reap.
      args: [
        "-c",
        `echo $$ >> '${trail}'; ${exitsOnce ? `[ -e '${trail}.once' ] && exec sleep 60; : > '${trail}.once'; exit 3` : "exec sleep 60"}`,
      ],
      cwd: dir,
      env: { PATH: "/usr/bin:/bin" },
      logPath: join(dir, "worker.log"),
      display: "sh -c …",
    },
    {
      log: createLogger("silent"),
      pidsDir: pids,
      policy: POLICY,
      graceMs: 1000,
      clock: systemClock,
      atStartStep: gate.hook,
    },
    () => undefined,
    () => Promise.resolve(),
  );
  const trailPids = async () => (await readFile(trail, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
  return { child, pids, trailPids };
}

describe("a stop during a start", () => {
  const cases: { step: StartStep; start: "first start" | "restart" }[] = [
    { step: "open_log", start: "first start" },
    { step: "read_start_time", start: "first start" },
    { step: "write_record", start: "first start" },
    { step: "before_restart", start: "restart" },
    { step: "read_start_time", start: "restart" },
    { step: "write_record", start: "restart" },
  ];
  it.each(cases)(
    "at $step of a $start ends the child before it returns and leaves no record",
    async ({ step, start }) => {
      const restart = start === "restart";
      const gate = gateAt(step, restart ? 2 : 1);
      const { child, pids, trailPids } = await gatedProcess(gate, restart);
      const started = child.start();
      try {
        await gate.reached;
        const { pid: pidAtGate, last_exit: exitAtGate } = child.status();
        let stopReturned = false;
        const stopped = child.stop().then(() => {
          stopReturned = true;
        });
        // The start stays held until the stop has ended its child (if it has one yet), or the stop returned.
        await waitFor(
          "the stop to end the child being started",
          () =>
            stopReturned ||
            (child.status().state === "stopping" &&
              (pidAtGate === undefined || child.status().last_exit !== exitAtGate)),
          10_000,
          5,
        );
        expect(stopReturned, "stop returned while the start was still in flight").toBe(false);
        gate.open();
        await Promise.all([started, stopped]);
        // Nothing of this start outlives the stop: no child, no record, no "running".
        const children = [...(await trailPids()), ...(pidAtGate === undefined ? [] : [pidAtGate])];
        expect(children.filter((pid) => groupAlive(pid))).toEqual([]);
        expect(await readdir(pids)).toEqual([]);
        expect(child.status()).toMatchObject({ state: "stopped", pid: undefined });
        if (step === "read_start_time" || step === "write_record") expect(pidAtGate).toBeDefined();
      } finally {
        gate.open();
        await child.stop();
      }
    },
  );
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
