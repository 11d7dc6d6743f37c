import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { freePort, httpGet, installRelease, waitAnswering } from "../helpers/apps.js";
import { hostStatus, killAllSupervisors, startSupervisor } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";

let home: string;
const envFile = () => join(home, "apps", "blog", "env");

async function values(): Promise<Record<string, string>> {
  const list = await runCli(home, ["env", "list", "blog", "--values", "--json"]);
  expect(list.exitCode, list.stderr).toBe(0);
  return JSON.parse(list.stdout) as Record<string, string>;
}

beforeAll(async () => {
  const root = await tempDir();
  home = join(root, "home");
  expect((await runCli(home, ["init", "--replica-url", `file://${join(root, "replica")}`])).exitCode).toBe(0);
  const add = await runCli(home, [
    "app",
    "add",
    "blog",
    "--repo",
    "/srv/blog.git",
    "--port",
    "8201",
    "--kind",
    "generic",
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("env values round-trip byte for byte (issue 13.7)", () => {
  it("quotes, trailing spaces, \\r and newlines survive set, a later set and list", async () => {
    const given = { Q: '"quoted"', S: "'single'", T: "trailing  ", R: "cr\r", N: "two\nlines", B: "back\\slash" };
    const set = await runCli(home, ["env", "set", "blog", ...Object.entries(given).map(([k, v]) => `${k}=${v}`)]);
    expect(set.exitCode, set.stderr).toBe(0);
    expect(await values()).toEqual(given);
    expect((await runCli(home, ["env", "set", "blog", "OTHER=1"])).exitCode).toBe(0);
    expect(await values()).toEqual({ ...given, OTHER: "1" });
  });

  it("env list --values prints what env set --stdin reads back unchanged", async () => {
    const before = await values();
    const text = (await runCli(home, ["env", "list", "blog", "--values"])).stdout;
    const again = await runCli(home, ["env", "set", "blog", "--stdin"], { input: `${text}\n` });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await values()).toEqual(before);
  });

  it("--stdin with an invalid line exits 2 naming the line and writes nothing", async () => {
    const before = await readFile(envFile(), "utf8");
    const result = await runCli(home, ["env", "set", "blog", "--stdin"], { input: "GOOD=1\nnot a line\nALSO=2\n" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("stdin:2:1 expected KEY=VALUE");
    expect(await readFile(envFile(), "utf8")).toBe(before);
  });

  it.each([
    [["PORT=9000"], "", "variable PORT is set by hostctl"],
    [["DATABASE_URL=sqlite:////tmp/x"], "", "variable DATABASE_URL is set by hostctl"],
    [["OK=1", "HOSTCTL_APP=other"], "", "variable HOSTCTL_APP is set by hostctl"],
    [["--stdin"], "HOSTCTL_DATA_DIR=/tmp\n", "variable HOSTCTL_DATA_DIR is set by hostctl"],
  ])("env set %j exits 2 naming the reserved variable and writes nothing", async (args, input, message) => {
    const before = await readFile(envFile(), "utf8");
    const result = await runCli(home, ["env", "set", "blog", ...args], { input });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await readFile(envFile(), "utf8")).toBe(before);
  });
});

describe("an environment the kernel cannot pass to a process (issue 30 item 5)", () => {
  const kib = (n: number) => "x".repeat(n * 1024);
  it.each([
    ["a 3 MB value", `BIG=${kib(3072)}\n`, "variable BIG is 3072.0 KiB; one variable may hold at most 128 KiB"],
    [
      "a value just over 128 KiB",
      `BIG=${kib(128)}\n`,
      "variable BIG is 128.0 KiB; one variable may hold at most 128 KiB",
    ],
    [
      "nine values of 120 KiB",
      Array.from({ length: 9 }, (_, i) => `V${i}=${kib(120)}`).join("\n"),
      "KiB; at most 1024 KiB fit beside hostctl's own",
    ],
  ])("env set with %s exits 2 and writes nothing", async (_what, input, message) => {
    const before = await readFile(envFile(), "utf8");
    const result = await runCli(home, ["env", "set", "blog", "--stdin"], { input });
    expect(result.stderr).toContain(message);
    expect(result.exitCode).toBe(2);
    expect(await readFile(envFile(), "utf8")).toBe(before);
  });

  it("a restart with an env file grown too large by hand exits 1 and leaves the running process alone", async () => {
    const root = await tempDir();
    const host = join(root, "home");
    const port = await freePort();
    expect((await runCli(host, ["init", "--replica-url", `file://${join(root, "replica")}`])).exitCode).toBe(0);
    expect(
      (await runCli(host, ["app", "add", "big", "--repo", "/unused", "--port", String(port), "--kind", "generic"]))
        .exitCode,
    ).toBe(0);
    await installRelease(host, "big", "generic-app");
    const sup = await startSupervisor(host, {});
    await waitAnswering(port);
    const pid = () => hostStatus(host).then((s) => s.apps[0]?.processes.find((p) => p.type === "web")?.pid);
    const before = await waitFor("the web process", pid);
    await appendFile(join(host, "apps", "big", "env"), `BIG=${kib(3072)}\n`);
    const restart = await runCli(host, ["restart", "big"]);
    expect(restart.stderr).toContain("apps/big/env: variable BIG is 3072.0 KiB");
    expect(restart.exitCode).toBe(1);
    expect(await pid()).toBe(before);
    expect((await httpGet(port, "/")).status).toBe(200);
    expect(await sup.stop("SIGTERM")).toBe(0);
  });
});
