import { createServer, type Server } from "node:net";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { pathExists } from "../../src/lib/fs.js";
import { renderPostReceive } from "../../src/deploy/push.js";
import { killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";

let root: string;
let home: string;
let repo: TestRepo;
const stalled: Server[] = [];

/** A TCP server on loopback that accepts and never answers: a git fetch to it runs until it is ended. */
async function stallingServer(): Promise<number> {
  const server = createServer(() => undefined);
  stalled.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

/** Every process's argv on this machine that contains `needle`. */
async function argvContaining(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const argv = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (argv.includes(needle)) found.push(argv.split("\0").join(" "));
  }
  return found;
}

beforeAll(async () => {
  root = await tempDir();
  home = join(root, "home");
  const init = await runCli(home, ["init", "--replica-url", `file://${join(root, "replica")}`]);
  expect(init.exitCode, init.stderr).toBe(0);
  repo = await gitRepo({ files: { README: "x\n" } });
});

afterAll(async () => {
  await killAllSupervisors();
  for (const server of stalled) server.close();
  await cleanupTempDirs();
});

describe("git option injection through --repo (issue 13.1)", () => {
  it("app add refuses a repo that starts with '-' and nothing runs", async () => {
    const marker = join(root, "pwned-add");
    const add = await runCli(home, [
      "app",
      "add",
      "r2",
      "--repo",
      `--upload-pack=touch ${marker}`,
      "--port",
      "8109",
      "--kind",
      "generic",
    ]);
    expect(add.exitCode).toBe(2);
    expect(add.stderr).toContain("argument --repo: expected a Git URL or a local path, got a value starting with '-'");
    const deploy = await runCli(home, ["deploy", "r2"]);
    expect(deploy.exitCode).toBe(2);
    expect(await pathExists(marker)).toBe(false);
    expect(await pathExists(join(home, "apps", "r2"))).toBe(false);
  });

  it("a hand-edited app.yml with such a repo is refused by deploy before git runs", async () => {
    const marker = join(root, "pwned-edit");
    await mkdir(join(home, "apps", "r3"), { recursive: true });
    await writeFile(
      join(home, "apps", "r3", "app.yml"),
      `name: r3\nrepo: "--upload-pack=touch ${marker}"\nport: 8110\nkind: generic\n`,
    );
    const deploy = await runCli(home, ["deploy", "r3"]);
    expect(deploy.exitCode).toBe(2);
    expect(deploy.stderr).toContain(
      "app.yml:2:7 repo: expected a Git URL or a local path, got a value starting with '-'",
    );
    expect(await pathExists(marker)).toBe(false);
    await execa("rm", ["-rf", join(home, "apps", "r3")]);
  });
});

describe("shell injection through --branch in the push hook (issue 13.2)", () => {
  it("a push to push.git never runs the branch as shell code", async () => {
    const marker = join(root, "pwned-branch");
    const branch = `m$(touch\${IFS}${marker})`;
    const add = await runCli(home, [
      "app",
      "add",
      "br2",
      "--repo",
      repo.dir,
      "--branch",
      branch,
      "--port",
      "8111",
      "--kind",
      "generic",
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    const setup = await runCli(home, ["app", "push-setup", "br2"]);
    expect(setup.exitCode, setup.stderr).toBe(0);
    const push = await execa("git", ["push", join(home, "apps", "br2", "push.git"), "main"], {
      cwd: repo.dir,
      reject: false,
      timeout: 60_000,
    });
    expect(push.exitCode, push.stderr).toBe(0);
    expect(push.stderr).toContain(`only ${branch} deploys br2`);
    expect(await pathExists(marker)).toBe(false);
  });

  it("up rewrites a hook an older version generated with the branch inside its shell code", async () => {
    const marker = join(root, "pwned-old-hook");
    const hook = join(home, "apps", "br2", "push.git", "hooks", "post-receive");
    // What push-setup wrote before the fix: the branch interpolated into a double-quoted echo.
    await writeFile(
      hook,
      `#!/bin/sh\nwhile read -r old new ref; do\n  echo "hostctl: $ref received; only m$(touch \${IFS}${marker}) deploys br2"\ndone\n`,
    );
    const supervisor = await startSupervisor(home);
    await waitForSocket(home);
    expect(await readFile(hook, "utf8")).toBe(renderPostReceive());
    expect(await supervisor.stop()).toBe(0);
    await repo.commit("v2", { README: "y\n" });
    const push = await execa("git", ["push", join(home, "apps", "br2", "push.git"), "main"], {
      cwd: repo.dir,
      reject: false,
      timeout: 60_000,
    });
    expect(push.exitCode, push.stderr).toBe(0);
    expect(await pathExists(marker)).toBe(false);
  }, 60_000);

  it("push-setup refused with exit 2 (a newline in HOME) leaves no push.git behind (issue 30 item 8)", async () => {
    const odd = join(await tempDir(), "ho\nme");
    expect((await runCli(odd, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
    expect(
      (await runCli(odd, ["app", "add", "nl", "--repo", repo.dir, "--port", "8116", "--kind", "generic"])).exitCode,
    ).toBe(0);
    const setup = await runCli(odd, ["app", "push-setup", "nl"]);
    expect(setup.stderr).toContain("push-setup: a path, app or branch contains a newline");
    expect(setup.exitCode).toBe(2);
    expect(await pathExists(join(odd, "apps", "nl", "push.git"))).toBe(false);
  });

  it("app add refuses a branch git would refuse", async () => {
    const add = await runCli(home, ["app", "add", "br3", "--repo", repo.dir, "--branch", "-x", "--port", "8112"]);
    expect(add.exitCode).toBe(2);
    expect(add.stderr).toContain(
      "argument --branch: expected a Git branch name (git check-ref-format --branch): it starts with '-'",
    );
  });
});

describe("git credentials in a repo URL (issue 13.5)", () => {
  it("app add refuses them with a hint and never prints the token", async () => {
    const add = await runCli(home, [
      "app",
      "add",
      "cr",
      "--repo",
      "https://user:S3CRETTOKEN@git.example.com/x.git",
      "--port",
      "8113",
    ]);
    expect(add.exitCode).toBe(2);
    expect(add.stderr).toContain("argument --repo: credentials in the URL are not allowed");
    expect(add.stderr).toContain("credential.helper");
    expect(add.stderr).toContain("https://***@git.example.com/x.git");
    expect(add.stderr).not.toContain("S3CRETTOKEN");
    expect(await pathExists(join(home, "apps", "cr"))).toBe(false);
  });

  it.each([["https://git.example.com/x.git?access_token=S3CRETTOKEN"], ["https://git.example.com/x.git?"]])(
    "app add refuses a query string in %s (it can carry a token) and never prints it",
    async (url) => {
      const add = await runCli(home, ["app", "add", "cq", "--repo", url, "--port", "8115"]);
      expect(add.exitCode).toBe(2);
      expect(add.stderr).toContain("argument --repo: a query string in the URL is not allowed");
      expect(add.stderr).toContain("https://git.example.com/x.git?***");
      expect(add.stderr).not.toContain("S3CRETTOKEN");
      expect(await pathExists(join(home, "apps", "cq"))).toBe(false);
    },
  );

  it("a hand-edited app.yml with a token never puts it in a git fetch's argv", async () => {
    const port = await stallingServer();
    await mkdir(join(home, "apps", "cr2"), { recursive: true });
    await writeFile(
      join(home, "apps", "cr2", "app.yml"),
      `name: cr2\nrepo: http://user:S3CRETTOKEN@127.0.0.1:${port}/x.git\nport: 8114\nkind: generic\n`,
    );
    const deploy = runCli(home, ["deploy", "cr2"], { timeoutMs: 20_000 });
    let done = false;
    void deploy.finally(() => (done = true));
    const seen: string[] = [];
    while (!done) {
      seen.push(...(await argvContaining("S3CRETTOKEN")).filter((argv) => !argv.includes("vitest")));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const result = await deploy;
    expect(seen).toEqual([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain("S3CRETTOKEN");
    await execa("rm", ["-rf", join(home, "apps", "cr2")]);
  });
});
