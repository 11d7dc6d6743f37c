import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandFailedError } from "../../src/lib/errors.js";
import { createRunner } from "../../src/lib/exec.js";
import { createLogger } from "../../src/lib/log.js";
import { groupAlive, waitGroupGone } from "../../src/lib/process-group.js";
import { spawnLongRunning } from "../../src/lib/spawn.js";
import { tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

const run = createRunner(createLogger("silent"));

async function failure(promise: Promise<unknown>): Promise<CommandFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CommandFailedError);
  return error as CommandFailedError;
}

/** The pid a script wrote to `file`, once it has written the whole line. */
function pidIn(file: string): Promise<number> {
  return waitFor(
    `a pid in ${file}`,
    async () => {
      const text = await readFile(file, "utf8").catch(() => "");
      return text.endsWith("\n") ? Number(text.trim()) : undefined;
    },
    10_000,
    10,
  );
}

describe("the runner (short-lived programs)", () => {
  it("returns stdout and stderr apart, feeds input, and runs in the given directory and environment", async () => {
    const dir = await tempDir("runner");
    const result = await run("/bin/sh", ["-c", 'cat; echo "$PWD $RUNNER_VALUE"; echo warn >&2'], {
      cwd: dir,
      env: { RUNNER_VALUE: "given" },
      input: "fed\n",
    });
    expect(result.stdout).toBe(`fed\n${dir} given\n`);
    expect(result.stderr).toBe("warn\n");
    expect(result.exitCode).toBe(0);
  });

  it("extends the parent's environment unless told to replace it", async () => {
    process.env.RUNNER_PARENT_VALUE = "parent";
    try {
      expect((await run("/bin/sh", ["-c", 'echo "$RUNNER_PARENT_VALUE"'])).stdout).toBe("parent\n");
      const clean = await run("/bin/sh", ["-c", 'echo "${RUNNER_PARENT_VALUE:-unset} $ONLY"'], {
        cleanEnv: true,
        env: { ONLY: "this" },
      });
      expect(clean.stdout).toBe("unset this\n");
    } finally {
      delete process.env.RUNNER_PARENT_VALUE;
    }
  });

  it("gives a program without input an empty stdin rather than one that never ends", async () => {
    expect((await run("/bin/cat", [], { timeoutMs: 10_000 })).stdout).toBe("");
  });

  it("fails a non-zero exit with the command, its status and the tail of its stderr", async () => {
    const error = await failure(run("/bin/sh", ["-c", "echo out; echo first >&2; echo last >&2; exit 3"]));
    expect(error.exitStatus).toBe(3);
    expect(error.stderrTail).toBe("first\nlast");
    expect(error.message).toBe(
      "/bin/sh -c echo out; echo first >&2; echo last >&2; exit 3 exited with 3:\nfirst\nlast",
    );
  });

  it("fails a program that cannot be started, naming it", async () => {
    const error = await failure(run("/nonexistent/program", ["x"]));
    expect(error.message).toMatch(/^\/nonexistent\/program x /);
    expect(error.exitStatus).not.toBe(0);
    const dirError = await failure(run("/bin/true", [], { cwd: "/nonexistent/dir" }));
    expect(dirError.message).toMatch(/^\/bin\/true /);
  });

  it("ends a program at its timeout, with everything it started", async () => {
    const dir = await tempDir("runner-timeout");
    const pidFile = join(dir, "pid");
    const started = Date.now();
    let group: number | undefined;
    const error = await failure(
      run("/bin/sh", ["-c", `sleep 30 & echo $! > ${pidFile}; wait`], {
        timeoutMs: 500,
        onSpawn: (pid) => (group = pid),
      }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toContain("(timed out)");
    expect(error.exitStatus).toBeUndefined();
    const grandchild = await pidIn(pidFile);
    expect(group).toBeDefined();
    expect(await waitGroupGone(group ?? 0, 5000)).toBe(true);
    expect(() => process.kill(grandchild, 0)).toThrow();
  });

  it("ends at its timeout a program that exited while what it started still holds its output open", async () => {
    let group = 0;
    const started = Date.now();
    const error = await failure(
      run("/bin/sh", ["-c", "sleep 30 & echo started"], { timeoutMs: 500, onSpawn: (pid) => (group = pid) }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toContain("(timed out)");
    expect(await waitGroupGone(group, 5000)).toBe(true);
  });

  it("ends a program when its signal aborts, and fails the run as cancelled", async () => {
    const controller = new AbortController();
    let group = 0;
    const running = run("/bin/sleep", ["30"], {
      signal: controller.signal,
      onSpawn: (pid) => {
        group = pid;
        setTimeout(() => controller.abort(), 50);
      },
    });
    const error = await failure(running);
    expect(error.message).toContain("(cancelled)");
    expect(groupAlive(group)).toBe(false);
  });

  it("streams output as it comes, whole characters even when a write splits one", async () => {
    const chunks: string[] = [];
    // "é" is two bytes; the first write ends between them.
    const result = await run(
      "/usr/bin/python3",
      ["-c", "import os,time; os.write(1, b'caf\\xc3'); time.sleep(0.2); os.write(1, b'\\xa9\\n')"],
      {
        onOutput: (chunk) => chunks.push(chunk),
      },
    );
    expect(result.stdout).toBe("café\n");
    expect(chunks.join("")).toBe("café\n");
    expect(chunks.every((c) => !c.includes("\uFFFD"))).toBe(true);
  });
});

describe("long-running children (spawnLongRunning)", () => {
  it("runs in its own process group with only the given environment, and reports its exit code", async () => {
    const child = spawnLongRunning("/bin/sh", ["-c", 'echo "$ONLY ${HOME:-no-home} $(ps -o pgid= -p $$)"; exit 4'], {
      env: { ONLY: "given" },
    });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    expect(await child).toEqual({ exitCode: 4 });
    expect(out.trim().split(/\s+/)).toEqual(["given", "no-home", String(child.pid)]);
  });

  it("reports the signal that ended it", async () => {
    const child = spawnLongRunning("/bin/sleep", ["30"], { env: {} });
    process.kill(-(child.pid ?? 0), "SIGTERM");
    expect(await child).toEqual({ signal: "SIGTERM" });
  });

  it("settles, with the reason and no pid, when the program cannot be started", async () => {
    const child = spawnLongRunning("/nonexistent/program", [], { env: {} });
    expect(child.pid).toBeUndefined();
    const result = await child;
    expect(result.exitCode).toBeUndefined();
    expect(result.error?.message).toMatch(/ENOENT/);
  });
});
