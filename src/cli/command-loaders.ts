import type { CommandResult, Deps } from "./deps.js";

export type Action = (deps: Deps) => Promise<CommandResult>;
export type Runner = (action: Action, json?: boolean) => Promise<void>;

// Command modules load on use: a command pays only for what it runs (start-up is most of a short command).
export const commands = {
  init: () => import("./commands/init.js"),
  app: () => import("./commands/app.js"),
  env: () => import("./commands/env.js"),
  doctor: () => import("./commands/doctor.js"),
  drill: () => import("./commands/drill.js"),
  drills: () => import("./commands/drills.js"),
  up: () => import("./commands/up.js"),
  status: () => import("./commands/status.js"),
  control: () => import("./commands/control.js"),
  logs: () => import("./commands/logs.js"),
  restore: () => import("./commands/restore.js"),
  rejoin: () => import("./commands/rejoin.js"),
  keygen: () => import("./commands/keygen.js"),
  deploy: () => import("./commands/deploy.js"),
  run: () => import("./commands/run.js"),
  jobs: () => import("./commands/jobs.js"),
  appCheck: () => import("./commands/app-check.js"),
  appRenameDb: () => import("./commands/app-rename-db.js"),
  cluster: () => import("./commands/cluster.js"),
  statusPage: () => import("./commands/status-page.js"),
  wiring: () => import("./wiring/index.js"),
};
