import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("output to a reader that went away", () => {
  it("`hostctl status --json | true` exits 0 without a stack (EPIPE ends the output, not the command)", async () => {
    const home = join(await tempDir("pipe"), "home");
    expect((await runCli(home, ["init", "--replica-url", `file://${join(home, "..", "replica")}`])).exitCode).toBe(0);
    // `true` exits without reading: the CLI's write finds the pipe closed.
    const piped = await execa(
      "bash",
      ["-c", 'set -o pipefail; "$0" "$1" --home "$2" status --json | true', process.execPath, CLI, home],
      {
        reject: false,
      },
    );
    expect(piped.stderr).toBe("");
    expect(piped.exitCode).toBe(0);
  });
});
