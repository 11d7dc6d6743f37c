import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { verifyPassword } from "../../src/status-page/password.js";

afterAll(cleanupTempDirs);

async function home(extra: string[] = ["--tls", "internal", "--status-domain", "status.example.com"]): Promise<string> {
  const dir = join(await tempDir(), "home");
  const init = await runCli(dir, ["init", "--replica-url", `file://${await tempDir("replica")}`, ...extra]);
  expect(init.exitCode, init.stderr).toBe(0);
  return dir;
}

describe("hostctl init --status-domain", () => {
  it("turns the front door and the page on in hostctl.yml", async () => {
    const text = await readFile(join(await home(["--status-domain", "status.example.com"]), "hostctl.yml"), "utf8");
    expect(text).toMatch(/proxy:\n(.*\n)*\s+status:\n\s+domain: status\.example\.com\n/);
  });

  it("refuses a domain that is not a host name, naming the flag, and writes nothing", async () => {
    const dir = join(await tempDir(), "home");
    const init = await runCli(dir, ["init", "--replica-url", "file:///tmp/x", "--status-domain", "Status Page"]);
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toContain("argument --status-domain: expected a lowercase host name such as www.example.com");
    await expect(stat(join(dir, "hostctl.yml"))).rejects.toThrow();
  });
});

describe("hostctl status-page passwd", () => {
  it("stores only a salted scrypt hash of the password read from stdin, in a 0600 file", async () => {
    const dir = await home();
    const result = await runCli(dir, ["status-page", "passwd"], { input: "correct horse battery staple\n" });
    expect(result.exitCode, result.stderr).toBe(0);
    const file = join(dir, "hostctl.yml");
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("correct horse");
    const hash = /password_hash: (\S+)/.exec(text)?.[1] ?? "";
    expect(await verifyPassword(hash, "correct horse battery staple")).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(`${result.stdout}${result.stderr}`).not.toContain("correct horse");
  });

  it("refuses a short password (exit 2) and leaves hostctl.yml as it was", async () => {
    const dir = await home();
    const before = await readFile(join(dir, "hostctl.yml"), "utf8");
    const result = await runCli(dir, ["status-page", "passwd"], { input: "short\n" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("stdin: expected a password of at least 10 characters, got 5");
    expect(await readFile(join(dir, "hostctl.yml"), "utf8")).toBe(before);
  });

  it("says how to turn the page on when hostctl.yml has no proxy.status", async () => {
    const result = await runCli(await home(["--tls", "internal"]), ["status-page", "passwd"], {
      input: "correct horse battery staple\n",
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("has no proxy.status: the status page is off");
    expect(result.stderr).toContain("hostctl init … --status-domain status.example.com");
  });
});
