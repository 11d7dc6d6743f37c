import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { AppPaths } from "../config/paths.js";
import { appDomains } from "../config/domains.js";
import { databaseDirOf } from "../litefs/paths.js";

export interface ProcessEnvInput {
  spec: AppSpec;
  app: AppPaths;
  releaseDir: string | undefined;
  appEnv: Record<string, string>;
  hasVenv: boolean;
  /** $PORT: an internal port behind the proxy, else the app's port. */
  port?: number;
}

/** Pure: hostctl's own variables (PORT, DATABASE_URL, HOSTCTL_*) come last so the env file cannot
 * override them. */
export function appProcessEnv({
  spec,
  app,
  releaseDir,
  appEnv,
  hasVenv,
  port,
}: ProcessEnvInput): Record<string, string> {
  const venv = releaseDir && hasVenv ? join(releaseDir, ".venv") : undefined;
  const firstDb = spec.databases[0];
  return {
    PATH: `${venv ? `${venv}/bin:` : ""}/usr/local/bin:/usr/bin:/bin`,
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    PYTHONUNBUFFERED: "1",
    ...(venv ? { VIRTUAL_ENV: venv } : {}),
    MEDIA_ROOT: app.media,
    ...appEnv,
    PORT: String(port ?? spec.port),
    ...djangoServing(spec, releaseDir),
    ...(firstDb ? { DATABASE_URL: `sqlite:///${join(databaseDirOf(spec, app), firstDb.path)}` } : {}),
    HOSTCTL_APP: spec.name,
    HOSTCTL_DATA_DIR: app.data,
    ...(releaseDir ? { HOSTCTL_RELEASE_DIR: releaseDir } : {}),
  };
}

/** STATIC_ROOT is inside the release, so each release serves its own files. */
function djangoServing(spec: AppSpec, releaseDir: string | undefined): Record<string, string> {
  if (spec.kind === "generic") return {};
  return {
    ...(releaseDir ? { STATIC_ROOT: staticRoot(releaseDir) } : {}),
    STATIC_URL: "/static/",
    MEDIA_URL: "/media/",
    HOSTCTL_DOMAINS: appDomains(spec).join(","),
  };
}

/** A release's collected static files (STATIC_ROOT), served by the proxy under /static/. */
export function staticRoot(releaseDir: string): string {
  return join(releaseDir, "staticfiles");
}

/** Heroku convention: sh expands $PORT, and exec makes the app the tracked pid. */
export function shellArgs(commandLine: string): [string, string[]] {
  return ["/bin/sh", ["-c", `exec ${commandLine}`]];
}
