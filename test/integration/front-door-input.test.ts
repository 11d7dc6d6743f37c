import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { freePort } from "../helpers/apps.js";
import { pathExists } from "../../src/lib/fs.js";

let home: string;
let replica: string;
let https: number;

beforeAll(async () => {
  home = join(await tempDir(), "home");
  replica = `file://${await tempDir("replica")}`;
  https = await freePort();
  const init = await runCli(home, [
    "init",
    "--replica-url",
    replica,
    "--tls",
    "internal",
    "--http-port",
    String(await freePort()),
    "--https-port",
    String(https),
  ]);
  expect(init.exitCode, init.stderr).toBe(0);
  const add = await runCli(home, [
    "app",
    "add",
    "shop",
    "--kind",
    "generic",
    "--repo",
    "/srv/shop.git",
    "--port",
    String(await freePort()),
    "--domain",
    "shop.example.com",
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
});

afterAll(cleanupTempDirs);

async function refusedAndNothingWritten(args: string[], name: string, message: string): Promise<void> {
  const result = await runCli(home, args);
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stderr).toContain(message);
  expect(await pathExists(join(home, "apps", name))).toBe(false);
}

describe("front door settings and domains: bad input", () => {
  it("refuses an unknown TLS mode at init, writing nothing", async () => {
    const other = join(await tempDir(), "home");
    const result = await runCli(other, ["init", "--replica-url", replica, "--tls", "letsencrypt"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('argument --tls: expected one of "acme", "internal", "off"');
    expect(await pathExists(join(other, "hostctl.yml"))).toBe(false);
  });

  it("refuses a domain that is not a host name", async () => {
    await refusedAndNothingWritten(
      [
        "app",
        "add",
        "blog",
        "--repo",
        "/srv/blog.git",
        "--port",
        String(await freePort()),
        "--domain",
        "blog example.com",
      ],
      "blog",
      "argument --domain: expected a lowercase host name",
    );
  });

  it("refuses a domain another app serves, naming it", async () => {
    await refusedAndNothingWritten(
      [
        "app",
        "add",
        "blog",
        "--repo",
        "/srv/blog.git",
        "--port",
        String(await freePort()),
        "--domain",
        "blog.example.com",
        "--domain",
        "shop.example.com",
      ],
      "blog",
      'domain "shop.example.com" is already served by app "shop"',
    );
  });

  it("refuses an app port the proxy listens on", async () => {
    await refusedAndNothingWritten(
      ["app", "add", "blog", "--repo", "/srv/blog.git", "--port", String(https)],
      "blog",
      `port ${https} is the proxy's proxy.https_port`,
    );
  });

  it("refuses an unknown key in the proxy section, naming file, line and key", async () => {
    const file = join(home, "hostctl.yml");
    const original = await readFile(file, "utf8");
    await writeFile(file, original.replace("proxy:\n", "proxy:\n  tls_mode: internal\n"));
    try {
      await refusedAndNothingWritten(
        ["app", "add", "blog", "--repo", "/srv/blog.git", "--port", String(await freePort())],
        "blog",
        "proxy.tls_mode: unknown key",
      );
    } finally {
      await writeFile(file, original);
    }
  });
});
