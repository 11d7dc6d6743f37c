import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { pathExists } from "../../src/lib/fs.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("a recovering host checks the registry it reads from the replica (issue 13.1, 13.3)", () => {
  it("entries with a repo that is a git option or a name that leaves HOME are skipped; nothing runs, nothing is written outside HOME", async () => {
    const root = await tempDir();
    const replica = join(root, "replica");
    const marker = join(root, "pwned");
    const hostA = join(root, "host-a");
    expect((await runCli(hostA, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    for (const [name, port] of [
      ["gen", "8301"],
      ["two", "8302"],
    ] as const) {
      expect(
        (await runCli(hostA, ["app", "add", name, "--kind", "generic", "--repo", "/srv/x.git", "--port", port]))
          .exitCode,
      ).toBe(0);
    }
    const registry = join(replica, "_hostctl", "registry");
    const gen = JSON.parse(await readFile(join(registry, "gen.json"), "utf8")) as { spec: Record<string, unknown> };
    gen.spec.repo = `--upload-pack=touch ${marker}`;
    await writeFile(join(registry, "gen.json"), JSON.stringify(gen));
    const two = JSON.parse(await readFile(join(registry, "two.json"), "utf8")) as { spec: Record<string, unknown> };
    two.spec.name = "../../evil";
    await writeFile(join(registry, "two.json"), JSON.stringify(two));

    const hostB = join(root, "host-b");
    expect((await runCli(hostB, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    const supervisor = await startSupervisor(hostB);
    await waitForSocket(hostB);
    const log = await waitFor(
      "both entries refused",
      async () => {
        const text = await supervisor.log();
        return (text.match(/registry\.entry_invalid/g) ?? []).length >= 2 && text;
      },
      20_000,
    );
    expect(log).toContain("expected a Git URL or a local path, got a value starting with '-'");
    expect((await hostStatus(hostB)).apps).toEqual([]);
    expect(await pathExists(marker)).toBe(false);
    expect(await pathExists(join(root, "evil"))).toBe(false);
    expect(await supervisor.stop()).toBe(0);
  }, 60_000);
});
