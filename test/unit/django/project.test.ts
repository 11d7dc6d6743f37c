import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { declaredSettingsModule, gunicornTarget, inspectProject, wsgiSetting } from "../../../src/django/project.js";
import { gunicornCommand } from "../../../src/django/web-command.js";
import { preflightFindings, releaseFacts } from "../../../src/django/preflight.js";
import { chooseInstaller, installCommand, venvCommand } from "../../../src/deploy/installer.js";
import { missingMigrations } from "../../../src/deploy/migration-guard.js";
import { appProcessEnv } from "../../../src/apps/process-env.js";
import { FIXTURES } from "../../helpers/apps.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

async function project(files: Record<string, string>): Promise<string> {
  const root = await tempDir("project");
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const wagtail = validateAppSpec(
  { name: "cms", repo: "/r", port: 8001, kind: "wagtail", databases: [{ path: "db.sqlite3" }] },
  "app.yml",
);

describe("finding a Django project's settings and WSGI application", () => {
  it("reads manage.py's default settings module and WSGI_APPLICATION", () => {
    expect(declaredSettingsModule(`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")`)).toBe(
      "shop.settings",
    );
    expect(declaredSettingsModule(`os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'a.b.dev')`)).toBe("a.b.dev");
    expect(wsgiSetting(`X = 1\nWSGI_APPLICATION = 'shop.wsgi.application'\n`)).toBe("shop.wsgi.application");
    expect(gunicornTarget("mysite.wsgi.application")).toBe("mysite.wsgi:application");
  });

  it("a `wagtail start` layout runs settings/production.py, WSGI_APPLICATION from base.py", async () => {
    const found = await inspectProject(join(FIXTURES, "wagtail-site"));
    expect(found).toMatchObject({
      hasManagePy: true,
      declaredSettings: "mysite.settings.dev",
      settings: "mysite.settings.production",
      wsgiApplication: "mysite.wsgi.application",
    });
  });

  it("falls back to wsgi.py when manage.py names no settings, and an override wins", async () => {
    const root = await project({
      "site/wsgi.py": `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.conf")`,
      "site/conf.py": "DEBUG = False\n",
    });
    expect(await inspectProject(root)).toMatchObject({
      hasManagePy: false,
      settings: "site.conf",
      settingsSource: "wsgi.py",
      wsgiApplication: "site.wsgi.application",
    });
    const other = await project({ "manage.py": "", "a/prod.py": "WSGI_APPLICATION = 'a.w.app'\n" });
    expect(await inspectProject(other, { module: "a.prod", source: "app.yml" })).toMatchObject({
      settings: "a.prod",
      settingsSource: "app.yml",
      wsgiApplication: "a.w.app",
    });
  });

  it("the inferred web command is the venv's gunicorn on loopback with logs to stdout/stderr", () => {
    expect(gunicornCommand("/r/.venv", "mysite.wsgi.application", 2)).toBe(
      "/r/.venv/bin/gunicorn mysite.wsgi:application --bind 127.0.0.1:$PORT --workers 3 --access-logfile - --error-logfile -",
    );
  });

  it("preflight of the unmodified Wagtail fixture: ready, with the hard-coded database path noted", async () => {
    const findings = preflightFindings(wagtail, await releaseFacts(wagtail, join(FIXTURES, "wagtail-site"), {}));
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
    expect(findings.find((f) => f.check === "database path")?.level).toBe("warning");
    expect(findings.find((f) => f.check === "web")?.detail).toContain("gunicorn is installed into the venv");
  });

  it("preflight fails a project without settings or web command, naming what is missing", async () => {
    const root = await project({ "manage.py": "print('hi')\n", "requirements.txt": "Django\n" });
    const errors = preflightFindings(wagtail, await releaseFacts(wagtail, root, {}))
      .filter((f) => f.level === "error")
      .map((f) => f.check);
    expect(errors).toEqual(["settings", "wsgi", "web"]);
  });
});

describe("installers, migrations, process environment", () => {
  const python = { interpreter: "/usr/bin/python3", system_site_packages: false, installer: "auto" as const };

  it("auto picks uv only when it is on PATH; argv for venv and install", () => {
    expect(chooseInstaller("auto", undefined)).toBe("pip");
    expect(chooseInstaller("auto", "/usr/local/bin/uv")).toBe("uv");
    expect(chooseInstaller("pip", "/usr/local/bin/uv")).toBe("pip");
    expect(venvCommand("pip", python, "/r/.venv", false)).toEqual({
      file: "/usr/bin/python3",
      args: ["-m", "venv", "--without-pip", "/r/.venv"],
    });
    expect(venvCommand("pip", { ...python, system_site_packages: true }, "/r/.venv", true)).toEqual({
      file: "/usr/bin/python3",
      args: ["-m", "venv", "--system-site-packages", "/r/.venv"],
    });
    expect(venvCommand("uv", python, "/r/.venv", true, "/bin/uv")).toEqual({
      file: "/bin/uv",
      args: ["venv", "--quiet", "--python", "/usr/bin/python3", "/r/.venv"],
    });
    expect(installCommand("uv", "/r/.venv", ["-r", "requirements.txt"], "/bin/uv")).toEqual({
      file: "/bin/uv",
      args: ["pip", "install", "--python", "/r/.venv/bin/python", "-r", "requirements.txt"],
    });
    expect(installCommand("pip", "/r/.venv", ["gunicorn"]).args).toEqual([
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--no-input",
      "gunicorn",
    ]);
  });

  it("applied migrations the release lacks are the ones a rollback would break", () => {
    expect(
      missingMigrations(
        ["notes.0002_title", "auth.0001_initial", "notes.0001_initial"],
        ["auth.0001_initial", "notes.0001_initial"],
      ),
    ).toEqual(["notes.0002_title"]);
    expect(missingMigrations(["auth.0001_initial"], ["auth.0001_initial", "notes.0003_new"])).toEqual([]);
  });

  it("every process gets STATIC_ROOT in its release, STATIC_URL, MEDIA_URL and HOSTCTL_DOMAINS", () => {
    const spec = validateAppSpec({ name: "cms", repo: "/r", port: 8001, domain: "www.example.org" }, "app.yml");
    const app = { root: "/h/apps/cms", data: "/h/apps/cms/data", media: "/h/apps/cms/data/media" } as Parameters<
      typeof appProcessEnv
    >[0]["app"];
    expect(
      appProcessEnv({ spec, app, releaseDir: "/h/apps/cms/releases/r1", appEnv: {}, hasVenv: true }),
    ).toMatchObject({
      STATIC_ROOT: "/h/apps/cms/releases/r1/staticfiles",
      STATIC_URL: "/static/",
      MEDIA_ROOT: "/h/apps/cms/data/media",
      MEDIA_URL: "/media/",
      HOSTCTL_DOMAINS: "www.example.org",
      PORT: "8001",
    });
  });
});
