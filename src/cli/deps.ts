import type { HostPaths } from "../config/paths.js";
import type { Clock } from "../lib/clock.js";
import type { Runner } from "../lib/exec.js";
import type { Logger, LogLevel } from "../lib/log.js";

/** What every command gets, built once per run in program.ts. */
export interface Deps {
  paths: HostPaths;
  log: Logger;
  /** The --log-level given on the command line, if any (each command has its own default). */
  logLevel: LogLevel | undefined;
  run: Runner;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Progress lines for humans (stderr), so stdout carries only the result. */
  progress: (line: string) => void;
}

export interface CommandResult {
  text: string;
  data?: unknown;
  /** 1 when the operation ran and failed (drill failed, doctor found problems). */
  exitCode?: number;
}
