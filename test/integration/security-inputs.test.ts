import { request } from "node:http";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { branchProblem } from "../../src/config/branch-name.js";
import { repoProblem } from "../../src/config/repo-url.js";

/**
 * Issue 13: every command and control route that takes an app name, and every way a branch or repo gets
 * in (app add, a hand-edited app.yml at restart and deploy), against values an attacker would try.
 */
let root: string;
let home: string;

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (path.includes(`${join(home, "run")}`)) continue;
    const info = await stat(path);
    out.push(`${path} ${info.mode.toString(8)} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

// "-x" is not here: commander reads it as an option (exit 2 "unknown option"); the routes get it below.
const BAD_NAMES = ["../x", "../../outside/victimapp", "..", ".", "a/b", "Blog", "a b", "x\n", "a".repeat(41), "%2e%2e"];

/** Every command that takes an app name, as argv after the name is filled in. */
const COMMANDS: ((name: string) => string[])[] = [
  (n) => ["app", "show", n],
  (n) => ["app", "remove", n, "--purge"],
  (n) => ["app", "push-setup", n],
  (n) => ["env", "set", n, "K=V"],
  (n) => ["env", "unset", n, "K"],
  (n) => ["env", "list", n],
  (n) => ["deploy", n],
  (n) => ["rollback", n],
  (n) => ["releases", n],
  (n) => ["logs", n],
  (n) => ["restore", n],
  (n) => ["drill", n],
  (n) => ["drills", n],
  (n) => ["restart", n],
  (n) => ["stop", n],
  (n) => ["start", n],
];

const ROUTES = ["stop", "load", "unload", "start", "restart", "activate"];

function post(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(home, "run", "hostctl.sock"), method: "POST", path }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  root = await tempDir();
  home = join(root, "home");
  expect((await runCli(home, ["init", "--replica-url", `file://${join(root, "replica")}`])).exitCode).toBe(0);
  expect(
    (await runCli(home, ["app", "add", "blog", "--kind", "generic", "--repo", "/srv/blog.git", "--port", "8401"]))
      .exitCode,
  ).toBe(0);
  await mkdir(join(root, "outside", "victimapp"), { recursive: true });
  await writeFile(join(root, "outside", "victimapp", "app.yml"), "name: victimapp\nrepo: /srv/x.git\nport: 8123\n");
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("app names", () => {
  // Each refused command runs the CLI and changes nothing, so several run at once (vitest's maxConcurrency).
  it.concurrent.each(BAD_NAMES.flatMap((name) => COMMANDS.map((command) => command(name))))(
    "%j exits 2 with the app-name rule and changes nothing",
    async (...args) => {
      const before = [...(await tree(home)), ...(await tree(join(root, "outside")))];
      const result = await runCli(home, args);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/expected a lowercase letter/);
      expect([...(await tree(home)), ...(await tree(join(root, "outside")))]).toEqual(before);
    },
  );

  it("every control route answers 400 to every bad name, and the supervisor keeps running", async () => {
    const supervisor = await startSupervisor(home);
    await waitForSocket(home);
    const answers: string[] = [];
    for (const name of [...BAD_NAMES, "-x", "%E0%A4%A", "..%2F..%2Foutside%2Fvictimapp"]) {
      for (const route of ROUTES)
        answers.push(
          `${route} ${name} ${await post(`/apps/${name.includes("%") ? name : encodeURIComponent(name)}/${route}`)}`,
        );
    }
    // ".", ".." and "%2e%2e" are resolved away by URL parsing (/apps/../stop is /stop): no route, 404.
    expect(answers.filter((answer) => !answer.endsWith(" 400") && !/ (\.{1,2}|%2e%2e) 404$/.test(answer))).toEqual([]);
    expect(await supervisor.stop()).toBe(0);
  }, 60_000);
});

describe("branch names", () => {
  const BRANCHES = [
    "main",
    "feature/x",
    "release-1.2",
    "m$(touch${IFS}/tmp/p)",
    "a;b",
    "ünï",
    "-x",
    "HEAD",
    "@",
    "a b",
    "a..b",
    "x.lock",
    ".hidden",
    "a/.b",
    "a/",
    "/a",
    "a//b",
    "a@{1}",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[",
    "a\\b",
    "x.",
    "a\tb",
    "",
  ];

  // "@" is left out: git reads it as "the current branch" there; hostctl refuses it as a branch to deploy.
  it.each(BRANCHES.filter((b) => b !== "@"))(
    "%j: hostctl agrees with git check-ref-format --branch",
    async (branch) => {
      const git = await execa("git", ["check-ref-format", "--branch", branch], { reject: false });
      expect(branchProblem(branch) === undefined).toBe(git.exitCode === 0);
    },
  );

  it.concurrent.each(BRANCHES.filter((b) => branchProblem(b) !== undefined))(
    "app add --branch %j exits 2 naming --branch",
    async (branch) => {
      const result = await runCli(home, [
        "app",
        "add",
        "nb",
        "--repo",
        "/srv/x.git",
        "--branch",
        branch,
        "--port",
        "8402",
      ]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("argument --branch: expected a Git branch name");
    },
  );
});

describe("repo values", () => {
  const BAD = [
    "--upload-pack=touch /tmp/p",
    "-x",
    "ext::sh -c touch% /tmp/p",
    "fd::17",
    "https://user:tok@h/x.git",
    "https://tok@h/x.git",
    "http://u:p@h/x.git",
    "ssh://git:pw@h/x.git",
    "git://u:p@h/x.git",
    "user:pw@host:x.git",
    "gopher://h/x",
    "a\nb",
    "",
  ];
  const GOOD = [
    "https://h/x.git",
    "ssh://git@h/x.git",
    "git@h:org/x.git",
    "/srv/x.git",
    "file:///srv/x.git",
    "relative/x.git",
  ];

  it("good values pass, bad ones are refused", () => {
    expect(GOOD.filter((repo) => repoProblem(repo) !== undefined)).toEqual([]);
    expect(BAD.filter((repo) => repoProblem(repo) === undefined)).toEqual([]);
  });

  it.concurrent.each(BAD)("app add --repo %j exits 2 naming --repo and never echoes a password", async (repo) => {
    const result = await runCli(home, ["app", "add", "nr", "--repo", repo, "--port", "8403"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/argument --repo: /);
    expect(result.stderr).not.toMatch(/tok@|:p@|:pw@/);
  });

  it.each([
    ["repo", '"--upload-pack=touch /tmp/p"'],
    ["repo", "https://u:tok@h/x.git"],
    ["branch", '"-x"'],
    ["branch", "HEAD"],
  ])(
    "a hand-edited app.yml with %s: %s is refused by restart and deploy (exit 2, file and key named)",
    async (key, value) => {
      const file = join(home, "apps", "blog", "app.yml");
      const original = await readFile(file, "utf8");
      const edited = original.includes(`${key}:`)
        ? original.replace(new RegExp(`^${key}:.*$`, "m"), `${key}: ${value}`)
        : `${original}${key}: ${value}\n`;
      await writeFile(file, edited);
      try {
        for (const command of ["restart", "deploy"]) {
          const result = await runCli(home, [command, "blog"]);
          expect(result.exitCode, `${command}: ${result.stderr}`).toBe(2);
          expect(result.stderr).toContain(`app.yml:`);
          expect(result.stderr).toContain(` ${key}: `);
          expect(result.stderr).not.toContain("tok@");
        }
      } finally {
        await writeFile(file, original);
      }
    },
  );
});
