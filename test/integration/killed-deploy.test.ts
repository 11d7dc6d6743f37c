import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { FIXTURES, addGenericApp } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { groupAlive, killGroup } from "../../src/lib/process-group.js";
import type { LockHolder } from "../../src/deploy/lock.js";

// Issue 14 item 7: a killed deploy left its release phase running with the deploy lock free.
const groups: number[] = [];

afterAll(async () => {
  for (const pgid of groups) await killGroup(pgid, 1000);
  await cleanupTempDirs();
});

async function setup(release: string): Promise<string> {
  const home = join(await tempDir(), "home");
  const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  await repo.commit("slow release phase", { Procfile: `web: /usr/bin/python3 server.py\nrelease: ${release}\n` });
  expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
    0,
  );
  expect((await addGenericApp(home, "blog", repo.dir)).exitCode).toBe(0);
  return home;
}

const hasSleep = async (pgid: number) =>
  (await execa("pgrep", ["-g", String(pgid), "-x", "sleep"], { reject: false })).exitCode === 0;

/** Starts a deploy, waits until its release phase's `sleep` runs, SIGKILLs the deploy; returns that program's group. */
async function killDeployInReleasePhase(home: string): Promise<number> {
  const deploy = execa(process.execPath, [CLI, "--home", home, "deploy", "blog"], { reject: false });
  const lockFile = join(home, "run", "locks", "deploy-blog.lock");
  let pgid: number;
  try {
    pgid = await waitFor(
      "the release phase in a recorded process group",
      async () => {
        const holder = JSON.parse(await readFile(lockFile, "utf8")) as LockHolder;
        for (const group of holder.children ?? []) if (await hasSleep(group)) return group;
        return undefined;
      },
      60_000,
      100,
    );
  } finally {
    deploy.kill("SIGKILL");
    await deploy;
  }
  groups.push(pgid);
  return pgid;
}

describe("a deploy killed during its release phase", () => {
  it("takes the release command with it", async () => {
    const home = await setup("exec sleep 300");
    const pgid = await killDeployInReleasePhase(home);
    await waitFor("the release command ended", () => !groupAlive(pgid), 10_000, 50);
    const next = await runCli(home, ["deploy", "blog"], { timeoutMs: 5000 });
    expect(next.stderr).not.toContain("DEPLOY_LOCKED");
  }, 120_000);

  it("keeps the deploy lock while something the release phase started still runs", async () => {
    // The shell (the program hostctl started) dies with the deploy; the sleep it forked stays in its group.
    const home = await setup("sleep 300 & wait");
    const pgid = await killDeployInReleasePhase(home);
    await waitFor(
      "the shell to die",
      async () => (await execa("pgrep", ["-g", String(pgid), "-x", "sh"], { reject: false })).exitCode === 1,
      10_000,
      50,
    );
    expect(groupAlive(pgid)).toBe(true);
    const second = await runCli(home, ["deploy", "blog"]);
    expect(second.stderr).toContain("error[DEPLOY_LOCKED]");
    expect(second.stderr).toContain(`a program it started still runs: process group ${pgid}`);
    expect(second.stderr).toContain(`kill -TERM -${pgid}`);
    expect(second.exitCode).toBe(1);
  }, 120_000);
});
