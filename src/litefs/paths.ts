import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { appPaths, type AppPaths, type HostPaths } from "../config/paths.js";

export interface LitefsPaths {
  /** The FUSE mount: the app's databases live in its root (LiteFS allows no sub-directories). */
  mount: string;
  /** LiteFS's own state (LTX files, positions); never touched by hostctl. */
  data: string;
  /** The rendered run/litefs/<app>.yml. */
  config: string;
  log: string;
}

export function isLitefsApp(spec: AppSpec): boolean {
  return spec.replication === "litefs";
}

export function litefsConfigDir(paths: HostPaths): string {
  return join(paths.run, "litefs");
}

export function litefsPaths(paths: HostPaths, name: string): LitefsPaths {
  const app = appPaths(paths, name);
  return {
    mount: litefsMount(app),
    data: join(app.root, "litefs-data"),
    config: join(litefsConfigDir(paths), `${name}.yml`),
    log: join(app.logs, "litefs.log"),
  };
}

/** Inside the LiteFS mount for a LiteFS app, the data directory otherwise. */
export function databaseDir(paths: HostPaths, spec: AppSpec): string {
  return isLitefsApp(spec) ? litefsPaths(paths, spec.name).mount : appPaths(paths, spec.name).data;
}

function litefsMount(app: AppPaths): string {
  return join(app.root, "litefs");
}

/** databaseDir for callers that hold an app's paths (the process environment's DATABASE_URL). */
export function databaseDirOf(spec: AppSpec, app: AppPaths): string {
  return isLitefsApp(spec) ? litefsMount(app) : app.data;
}
