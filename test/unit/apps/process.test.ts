import { describe, expect, it } from "vitest";
import { parseProcfile, serviceProcesses } from "../../../src/apps/procfile.js";
import { appProcessEnv, shellArgs } from "../../../src/apps/process-env.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { appPaths, hostPaths } from "../../../src/config/paths.js";

describe("Procfile", () => {
  it("reads process types and leaves the release phase out of the services", () => {
    const parsed = parseProcfile(
      "# comment\nweb: gunicorn app.wsgi --bind 127.0.0.1:$PORT\nworker:  python manage.py worker \nrelease: python manage.py migrate\n\nbad line\n",
    );
    expect(parsed).toEqual({
      web: "gunicorn app.wsgi --bind 127.0.0.1:$PORT",
      worker: "python manage.py worker",
      release: "python manage.py migrate",
    });
    expect(Object.keys(serviceProcesses(parsed))).toEqual(["web", "worker"]);
  });

  it("runs a command line under sh with exec so $PORT expands and the app is the tracked pid", () => {
    expect(shellArgs("gunicorn x --bind 127.0.0.1:$PORT")).toEqual([
      "/bin/sh",
      ["-c", "exec gunicorn x --bind 127.0.0.1:$PORT"],
    ]);
  });
});

describe("app process environment", () => {
  const spec = validateAppSpec(
    { name: "blog", repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }, { path: "other.sqlite3" }] },
    "app.yml",
  );
  const app = appPaths(hostPaths("/h"), "blog");

  it("gives PORT, DATABASE_URL of the first database, HOSTCTL_* and the venv on PATH", () => {
    const env = appProcessEnv({
      spec,
      app,
      releaseDir: "/h/apps/blog/releases/r1",
      appEnv: { DEBUG: "0" },
      hasVenv: true,
    });
    expect(env).toMatchObject({
      PORT: "8001",
      DATABASE_URL: "sqlite:////h/apps/blog/data/db.sqlite3",
      HOSTCTL_APP: "blog",
      HOSTCTL_DATA_DIR: "/h/apps/blog/data",
      MEDIA_ROOT: "/h/apps/blog/data/media",
      VIRTUAL_ENV: "/h/apps/blog/releases/r1/.venv",
      DEBUG: "0",
    });
    expect(env.PATH?.startsWith("/h/apps/blog/releases/r1/.venv/bin:")).toBe(true);
  });

  it("lets the env file set MEDIA_ROOT but never the variables hostctl owns", () => {
    const env = appProcessEnv({
      spec,
      app,
      releaseDir: undefined,
      appEnv: { PORT: "1", DATABASE_URL: "x", MEDIA_ROOT: "/srv/media" },
      hasVenv: false,
    });
    expect(env).toMatchObject({
      PORT: "8001",
      DATABASE_URL: "sqlite:////h/apps/blog/data/db.sqlite3",
      MEDIA_ROOT: "/srv/media",
    });
    expect(env.VIRTUAL_ENV).toBeUndefined();
  });

  it("gives django and wagtail processes the static and media settings, the domains, and the internal port as PORT", () => {
    const django = validateAppSpec(
      { name: "blog", repo: "/r", port: 8001, domains: ["blog.example.com", "www.blog.example.com"] },
      "app.yml",
    );
    const env = appProcessEnv({
      spec: django,
      app,
      releaseDir: "/h/apps/blog/releases/r1",
      appEnv: { STATIC_ROOT: "/elsewhere" },
      hasVenv: false,
      port: 18001,
    });
    expect(env).toMatchObject({
      PORT: "18001",
      STATIC_ROOT: "/h/apps/blog/releases/r1/staticfiles",
      STATIC_URL: "/static/",
      MEDIA_ROOT: "/h/apps/blog/data/media",
      MEDIA_URL: "/media/",
      HOSTCTL_DOMAINS: "blog.example.com,www.blog.example.com",
    });
    const generic = validateAppSpec({ name: "blog", repo: "/r", port: 8001, kind: "generic" }, "app.yml");
    expect(
      appProcessEnv({ spec: generic, app, releaseDir: "/r1", appEnv: {}, hasVenv: false }).STATIC_ROOT,
    ).toBeUndefined();
  });
});
