import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { AppPaths } from "../config/paths.js";

export interface ProcessEnvInput {
  spec: AppSpec;
  app: AppPaths;
  releaseDir: string | undefined;
  appEnv: Record<string, string>;
  hasVenv: boolean;
}

/**
 * Pure: the environment of every app process (web, worker, release phase). The app's env file can
 * set anything but the variables hostctl owns (PORT, DATABASE_URL, HOSTCTL_*), which come last.
 */
export function appProcessEnv({ spec, app, releaseDir, appEnv, hasVenv }: ProcessEnvInput): Record<string, string> {
  const venv = releaseDir && hasVenv ? join(releaseDir, ".venv") : undefined;
  const firstDb = spec.databases[0];
  return {
    PATH: `${venv ? `${venv}/bin:` : ""}/usr/local/bin:/usr/bin:/bin`,
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    PYTHONUNBUFFERED: "1",
    ...(venv ? { VIRTUAL_ENV: venv } : {}),
    MEDIA_ROOT: app.media,
    MEDIA_URL: "/media/",
    ...(releaseDir ? { STATIC_ROOT: join(releaseDir, "staticfiles") } : {}),
    STATIC_URL: "/static/",
    ...appEnv,
    PORT: String(spec.port),
    HOSTCTL_DOMAINS: spec.domain ?? "",
    ...(firstDb ? { DATABASE_URL: `sqlite:///${join(app.data, firstDb.path)}` } : {}),
    HOSTCTL_APP: spec.name,
    HOSTCTL_DATA_DIR: app.data,
    ...(releaseDir ? { HOSTCTL_RELEASE_DIR: releaseDir } : {}),
  };
}

/** Heroku convention: a command line runs under sh so $PORT expands, and exec makes the app the tracked pid. */
export function shellArgs(commandLine: string): [string, string[]] {
  return ["/bin/sh", ["-c", `exec ${commandLine}`]];
}
