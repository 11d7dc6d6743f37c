import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Module } from "node:module";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

// The built CLI (dist/cli/main.js) runs its bundle with V8's code cache under $XDG_CACHE_HOME/hostctl.
async function hostctl(cacheHome: string, args: string[], extra: Record<string, string> = {}) {
  return execa(process.execPath, [CLI, ...args], { env: { XDG_CACHE_HOME: cacheHome, ...extra }, reject: false });
}

async function cacheDir(cacheHome: string): Promise<string> {
  const versions = (await readdir(join(cacheHome, "hostctl"))).filter((name) => name.startsWith("v8-"));
  expect(versions).toEqual([`v8-${process.version}-${process.arch}`]);
  return join(cacheHome, "hostctl", versions[0] as string);
}

afterAll(cleanupTempDirs);

// Node 22 keeps its own cache layout in the directory (module.enableCompileCache); these check hostctl's own.
const ownCache = typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache !== "function";

describe("the CLI's code cache", () => {
  it.runIf(ownCache)(
    "is written on the first run to a private directory (0700, files 0600) and read on the next, with the same output",
    async () => {
      const home = await tempDir("ccache");
      const first = await hostctl(home, ["app", "--help"]);
      expect(first.exitCode).toBe(0);
      const dir = await cacheDir(home);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      const files = await readdir(dir);
      expect(files.length).toBeGreaterThan(1);
      for (const file of files) expect((await stat(join(dir, file))).mode & 0o777, file).toBe(0o600);
      const before = await Promise.all(files.map(async (file) => (await stat(join(dir, file))).mtimeMs));

      const second = await hostctl(home, ["app", "--help"]);
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      // Accepted, so not written again.
      expect(await readdir(dir)).toEqual(files);
      expect(await Promise.all(files.map(async (file) => (await stat(join(dir, file))).mtimeMs))).toEqual(before);
    },
  );

  it.runIf(ownCache)("a corrupt cache file is rejected by V8 and written anew; the command is unaffected", async () => {
    const home = await tempDir("ccache-bad");
    const first = await hostctl(home, ["--version"]);
    const dir = await cacheDir(home);
    const files = await readdir(dir);
    for (const file of files) await writeFile(join(dir, file), "not a code cache");
    const second = await hostctl(home, ["--version"]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    for (const file of files) expect((await stat(join(dir, file))).size, file).toBeGreaterThan(100);
  });

  it("covers every file of the bundle: none has an import(), which Node 20 cannot run from cached code", async () => {
    const dir = dirname(CLI);
    const bundle = (await readdir(dir)).filter((name) => name.endsWith(".cjs"));
    expect(bundle).toContain("hostctl.cjs");
    for (const name of bundle) expect(await readFile(join(dir, name), "utf8"), name).not.toContain("import(");
  });

  it("is not used when its directory is writable by others, nor when disabled", async () => {
    const shared = await tempDir("ccache-shared");
    const dir = join(shared, "hostctl", `v8-${process.version}-${process.arch}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    expect((await hostctl(shared, ["--version"])).exitCode).toBe(0);
    expect(await readdir(dir)).toEqual([]);

    const off = await tempDir("ccache-off");
    expect((await hostctl(off, ["--version"], { NODE_DISABLE_COMPILE_CACHE: "1" })).exitCode).toBe(0);
    expect(await readdir(off)).toEqual([]);
  });
});
