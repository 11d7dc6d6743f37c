import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../src/config/app.js";
import { resolvePython } from "../../src/deploy/python-interpreter.js";
import { createRunner } from "../../src/lib/exec.js";
import { HostctlError } from "../../src/lib/errors.js";
import { createLogger } from "../../src/lib/log.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

const run = createRunner(createLogger("silent"));
const REAL_312 = join(homedir(), ".pyenv", "versions", "3.12.1");
const spec = (python: Record<string, unknown> = {}) =>
  validateAppSpec({ name: "blog", repo: "/r", port: 8001, python }, "app.yml");

/** A release with the given files, and a pyenv root holding only the real 3.12.1 (linked); PATH without python3.12. */
async function setUp(files: Record<string, string>): Promise<{ release: string; env: NodeJS.ProcessEnv }> {
  const release = await tempDir("release");
  for (const [name, text] of Object.entries(files)) await writeFile(join(release, name), text);
  const root = await tempDir("pyenv");
  await mkdir(join(root, "versions"));
  await symlink(REAL_312, join(root, "versions", "3.12.1"));
  return { release, env: { PATH: "/usr/bin:/bin", PYENV_ROOT: root, HOME: root } };
}

describe.skipIf(!existsSync(REAL_312))("the venv's interpreter", () => {
  it("is the pyenv Python that runtime.txt names", async () => {
    const { release, env } = await setUp({ "runtime.txt": "python-3.12\n", ".python-version": "3.11\n" });
    const python = await resolvePython(run, spec(), release, env);
    expect(python).toEqual({
      path: join(env.PYENV_ROOT ?? "", "versions", "3.12.1", "bin", "python3"),
      version: "3.12.1",
      why: "runtime.txt (python-3.12)",
    });
  });

  it("is app.yml's python.version over the repository's files", async () => {
    const { release, env } = await setUp({ "runtime.txt": "python-3.12\n" });
    const python = await resolvePython(run, spec({ version: "3.11" }), release, env);
    expect(python.version).toMatch(/^3\.11\./);
    expect(python.why).toBe("app.yml python.version");
  });

  it("fails naming the version, where it was asked for, and how to install it, when no such Python exists", async () => {
    const { release, env } = await setUp({ ".python-version": "3.9\n" });
    const error = await resolvePython(run, spec(), release, env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostctlError);
    expect((error as HostctlError).code).toBe("PYTHON_MISSING");
    expect((error as HostctlError).message).toContain(
      ".python-version (3.9) asks for Python 3.9; none found (python3.9 on PATH",
    );
    expect((error as HostctlError).hint).toContain("pyenv install 3.9");
  });

  it("is python3 on PATH when nothing asks for a version, and app.yml's interpreter when one is given", async () => {
    const { release, env } = await setUp({ "runtime.txt": "python-3.12\n" });
    expect((await resolvePython(run, spec(), await tempDir("bare"), env)).why).toBe(
      "python3 on PATH (no python.version, runtime.txt or .python-version)",
    );
    const pinned = await resolvePython(run, spec({ interpreter: "/usr/bin/python3" }), release, env);
    expect(pinned.path).toBe("/usr/bin/python3");
    expect(pinned.why).toBe("app.yml python.interpreter; runtime.txt (python-3.12) is not used");
  });
});
