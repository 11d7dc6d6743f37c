import { cp, readdir, readFile, stat, writeFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../src/config/app.js";
import { buildRelease, buildVenv } from "../../src/deploy/build.js";
import { createRunner } from "../../src/lib/exec.js";
import { createLogger } from "../../src/lib/log.js";
import { FIXTURES, PYTHON } from "../helpers/apps.js";
import { pipCacheDir, uvBinary } from "../helpers/tools.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

// pyenv's Python 3.12 on machines of the CI's kind; elsewhere the test that needs it says it was skipped.
const PYENV_312 = join(homedir(), ".pyenv", "versions", "3.12.1", "bin", "python3");

const run = createRunner(createLogger("silent"));
const debian = validateAppSpec(
  {
    name: "blog",
    repo: "/srv/blog.git",
    port: 8001,
    python: { interpreter: PYTHON, system_site_packages: true, installer: "pip" },
  },
  "app.yml",
);
const spec = debian;
const isolated = validateAppSpec({ name: "blog", repo: "/srv/blog.git", port: 8001, python: PYTHON }, "app.yml");
const python = { path: PYTHON, version: "3", why: "test" };
const options = { needsGunicorn: false, cacheEnv: { PIP_CACHE_DIR: pipCacheDir }, uv: undefined, python };

async function release(root: string, id: string, requirements: string): Promise<string> {
  const dir = join(root, id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "requirements.txt"), requirements);
  return dir;
}

describe("release virtualenvs", () => {
  it("comment-only requirements get a fresh pip-less venv that sees Debian's Django", async () => {
    const dir = await release(await tempDir(), "r1", "# from Debian\n");
    expect(await buildVenv(run, spec, dir, undefined, options)).toEqual({
      python: "3, test",
      venv: "created",
      pip: false,
    });
    const { stdout } = await execa(join(dir, ".venv", "bin", "python"), [
      "-c",
      "import sys, django; print(sys.prefix)",
    ]);
    expect(stdout).toBe(join(dir, ".venv"));
  });

  it("comment-only requirements, as before, reuse the previous pip-less venv, relocated", async () => {
    const root = await tempDir();
    const first = await release(root, "r1", "# from Debian\n");
    expect(await buildVenv(run, spec, first, undefined, options)).toEqual({
      python: "3, test",
      venv: "created",
      pip: false,
    });
    const second = await release(root, "r2", "# from Debian\n");
    expect(await buildVenv(run, spec, second, first, options)).toEqual({
      python: "3, test",
      venv: "reused",
      reusedFrom: first,
      pip: false,
    });
    const { stdout } = await execa(join(second, ".venv", "bin", "python"), [
      "-c",
      "import sys, django; print(sys.prefix)",
    ]);
    expect(stdout).toBe(join(second, ".venv"));
    const activate = await readFile(join(second, ".venv", "bin", "activate"), "utf8");
    expect(activate).toContain(join(second, ".venv"));
    expect(activate).not.toContain(join(first, ".venv"));
  });

  it("identical requirements reuse the previous venv by hard links, relocated, leaving the old one intact", async () => {
    const root = await tempDir();
    const first = await release(root, "r1", "Django>=3.2\n");
    expect(await buildVenv(run, spec, first, undefined, options)).toEqual({
      python: "3, test",
      venv: "created",
      pip: true,
    });
    const second = await release(root, "r2", "Django>=3.2\n");
    expect(await buildVenv(run, spec, second, first, options)).toEqual({
      python: "3, test",
      venv: "reused",
      reusedFrom: first,
      pip: false,
    });
    // Reused, not rebuilt: an installed package's file is the same inode in both venvs (a hard link).
    const [pythonDir] = await readdir(join(first, ".venv", "lib"));
    const pipModule = join(".venv", "lib", pythonDir ?? "", "site-packages", "pip", "__init__.py");
    expect((await stat(join(second, pipModule))).ino).toBe((await stat(join(first, pipModule))).ino);
    const pip = await readFile(join(second, ".venv", "bin", "pip"), "utf8");
    expect(pip.split("\n")[0]).toBe(`#!${join(second, ".venv", "bin", "python3")}`);
    expect((await readFile(join(first, ".venv", "bin", "pip"), "utf8")).split("\n")[0]).toBe(
      `#!${join(first, ".venv", "bin", "python3")}`,
    );
    const { stdout } = await execa(join(second, ".venv", "bin", "pip"), ["--version"]);
    expect(stdout).toContain(join(second, ".venv"));
    expect((await stat(join(second, ".venv", "pyvenv.cfg"))).ino).not.toBe(
      (await stat(join(first, ".venv", "pyvenv.cfg"))).ino,
    );
  });

  it("changed requirements build a new venv", async () => {
    const root = await tempDir();
    const first = await release(root, "r1", "Django>=3.2\n");
    await buildVenv(run, spec, first, undefined, options);
    const second = await release(root, "r2", "Django>=3.1\n");
    expect(await buildVenv(run, spec, second, first, options)).toEqual({
      python: "3, test",
      venv: "created",
      pip: true,
    });
  });

  it("a changed file reached through -r builds a new venv, though requirements.txt is the same", async () => {
    const root = await tempDir();
    const first = await release(root, "r1", "-r requirements/base.txt\n");
    await mkdir(join(first, "requirements"));
    await writeFile(join(first, "requirements", "base.txt"), "# from Debian\n-c constraints.txt\n");
    await writeFile(join(first, "requirements", "constraints.txt"), "Django>=3.2\n");
    expect((await buildVenv(run, spec, first, undefined, options)).venv).toBe("created");
    const second = await release(root, "r2", "-r requirements/base.txt\n");
    await mkdir(join(second, "requirements"));
    await writeFile(join(second, "requirements", "base.txt"), "# from Debian\n-c constraints.txt\n");
    await writeFile(join(second, "requirements", "constraints.txt"), "Django>=3.2\n");
    expect((await buildVenv(run, spec, second, first, options)).venv).toBe("reused");
    const third = await release(root, "r3", "-r requirements/base.txt\n");
    await mkdir(join(third, "requirements"));
    await writeFile(join(third, "requirements", "base.txt"), "# from Debian\n-c constraints.txt\n");
    await writeFile(join(third, "requirements", "constraints.txt"), "Django>=3.1\n");
    expect((await buildVenv(run, spec, third, second, options)).venv).toBe("created");
  });

  it.skipIf(!existsSync(PYENV_312))(
    "another interpreter with the same requirements builds a new venv from it",
    async () => {
      const root = await tempDir();
      const first = await release(root, "r1", "# nothing\n");
      expect((await buildVenv(run, isolated, first, undefined, options)).venv).toBe("created");
      const second = await release(root, "r2", "# nothing\n");
      const py312 = { path: PYENV_312, version: "3.12.1", why: "runtime.txt" };
      expect(await buildVenv(run, isolated, second, first, { ...options, python: py312 })).toEqual({
        python: "3.12.1, runtime.txt",
        venv: "created",
        pip: false,
      });
      const { stdout } = await execa(join(second, ".venv", "bin", "python"), [
        "-c",
        "import sys; print(sys.version_info[:2])",
      ]);
      expect(stdout).toBe("(3, 12)");
    },
  );

  it("the old string form of python: is the interpreter, and venvs are isolated by default", () => {
    expect(isolated.python).toEqual({ interpreter: PYTHON, system_site_packages: false, installer: "auto" });
  });

  it(
    "an isolated venv does not see Debian's Django; pip installs the requirements from PyPI into it",
    { timeout: 180_000 },
    async () => {
      const root = await tempDir();
      const bare = await release(root, "r0", "# nothing\n");
      await buildVenv(run, isolated, bare, undefined, options);
      const missing = await execa(join(bare, ".venv", "bin", "python"), ["-c", "import django"], { reject: false });
      expect(missing.stderr).toContain("ModuleNotFoundError");
      const dir = await release(root, "r1", "Django>=5.2,<5.3\n");
      expect(await buildVenv(run, isolated, dir, undefined, options)).toEqual({
        python: "3, test",
        venv: "created",
        pip: true,
      });
      const { stdout } = await execa(join(dir, ".venv", "bin", "python"), [
        "-c",
        "import django; print(django.__version__)",
      ]);
      expect(stdout).toMatch(/^5\.2\./);
    },
  );

  it(
    "gunicorn is installed into the venv when no web command is given and requirements lack it",
    { timeout: 180_000 },
    async () => {
      const dir = await release(await tempDir(), "r1", "# nothing\n");
      expect(await buildVenv(run, isolated, dir, undefined, { ...options, needsGunicorn: true })).toEqual({
        python: "3, test",
        venv: "created",
        pip: false,
        gunicorn: true,
      });
      const { stdout } = await execa(join(dir, ".venv", "bin", "gunicorn"), ["--version"]);
      expect(stdout).toContain("gunicorn");
    },
  );

  it(
    "with python.installer uv, uv makes the venv and installs the requirements (cache under UV_CACHE_DIR)",
    { timeout: 180_000 },
    async () => {
      const uv = uvBinary();
      const cache = await tempDir("uv-cache");
      const dir = await release(await tempDir(), "r1", "Django>=5.2,<5.3\n");
      const viaUv = validateAppSpec(
        { name: "blog", repo: "/srv/blog.git", port: 8001, python: { interpreter: PYTHON, installer: "uv" } },
        "app.yml",
      );
      expect(
        await buildVenv(run, viaUv, dir, undefined, {
          ...options,
          cacheEnv: { PIP_CACHE_DIR: pipCacheDir, UV_CACHE_DIR: cache },
          uv,
          needsGunicorn: true,
        }),
      ).toEqual({ python: "3, test", venv: "created", pip: true, gunicorn: true });
      const { stdout } = await execa(join(dir, ".venv", "bin", "python"), [
        "-c",
        "import django, gunicorn; print(django.__version__)",
      ]);
      expect(stdout).toMatch(/^5\.2\./);
      expect(await readFile(join(dir, ".venv", "pyvenv.cfg"), "utf8")).toMatch(/^uv = /m);
    },
  );

  it(
    "collects static files at build, though the Procfile has a release line, unless DISABLE_COLLECTSTATIC=1",
    { timeout: 180_000 },
    async () => {
      const copy = async (id: string) => {
        const dir = join(await tempDir(), id);
        await cp(join(FIXTURES, "django-app"), dir, { recursive: true });
        await writeFile(
          join(dir, "Procfile"),
          "release: python manage.py migrate --noinput\nweb: gunicorn site_app.wsgi\n",
        );
        return dir;
      };
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", DJANGO_SETTINGS_MODULE: "site_app.settings" };
      const collected = await copy("r1");
      const result = await buildRelease(run, debian, collected, undefined, env, () => undefined, options);
      expect(result.collectstatic).toBe("collected");
      expect(await readFile(join(collected, "staticfiles", "notes", "app.css"), "utf8")).toBe(
        await readFile(join(FIXTURES, "django-app", "notes", "static", "notes", "app.css"), "utf8"),
      );
      const skipped = await copy("r2");
      const off = await buildRelease(
        run,
        debian,
        skipped,
        undefined,
        { ...env, DISABLE_COLLECTSTATIC: "1" },
        () => undefined,
        options,
      );
      expect(off.collectstatic).toBe("collectstatic skipped (DISABLE_COLLECTSTATIC=1 in the app's env)");
      expect(existsSync(join(skipped, "staticfiles"))).toBe(false);
    },
  );
});
