import { join, resolve } from "node:path";
import { pathInside } from "../lib/safe-path.js";
import { assertAppName } from "./app-name.js";

export const DEFAULT_HOME = "/var/lib/hostctl";
/** The app's media directory inside its data directory: public through the front door. */
export const MEDIA_DIR = "media";

export interface HostPaths {
  home: string;
  hostConfig: string;
  credentials: string;
  templateOverride: string;
  apps: string;
  run: string;
  socket: string;
  pids: string;
  locks: string;
  litestreamConfigs: string;
}

export interface AppPaths {
  root: string;
  spec: string;
  env: string;
  repo: string;
  push: string;
  releases: string;
  current: string;
  data: string;
  media: string;
  snapshots: string;
  logs: string;
  drills: string;
  state: string;
  litestreamConfig: string;
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? env.HOSTCTL_HOME ?? DEFAULT_HOME);
}

export function hostPaths(home: string): HostPaths {
  const run = join(home, "run");
  return {
    home,
    hostConfig: join(home, "hostctl.yml"),
    credentials: join(home, "s3-credentials"),
    templateOverride: join(home, "litestream.yml.tmpl"),
    apps: join(home, "apps"),
    run,
    socket: join(run, "hostctl.sock"),
    pids: join(run, "pids"),
    locks: join(run, "locks"),
    litestreamConfigs: join(run, "litestream"),
  };
}

/** Refuses (exit 2) a name that is not an app name or a path that would leave HOME/apps. */
export function appPaths(host: HostPaths, name: string): AppPaths {
  const root = pathInside(host.apps, assertAppName(name));
  const data = join(root, "data");
  return {
    root,
    spec: join(root, "app.yml"),
    env: join(root, "env"),
    repo: join(root, "repo.git"),
    push: join(root, "push.git"),
    releases: join(root, "releases"),
    current: join(root, "current"),
    data,
    media: join(data, MEDIA_DIR),
    snapshots: join(root, "snapshots"),
    logs: join(root, "logs"),
    drills: join(root, "drills.jsonl"),
    state: join(root, "state.json"),
    litestreamConfig: join(host.litestreamConfigs, `${name}.yml`),
  };
}
