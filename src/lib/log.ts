import { createRequire } from "node:module";
import type { Logger, DestinationStream } from "pino";
import type * as PinoModule from "pino";

export type { Logger };
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
export const REDACT_PATHS = [
  "secret",
  "*.secret",
  "secretAccessKey",
  "*.secretAccessKey",
  "accessKeyId",
  "*.accessKeyId",
  "env",
  "*.env",
  "credentials",
  "*.credentials",
  "AWS_SECRET_ACCESS_KEY",
  "*.AWS_SECRET_ACCESS_KEY",
  "*.*.AWS_SECRET_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "*.AWS_ACCESS_KEY_ID",
  "*.*.AWS_ACCESS_KEY_ID",
];

const require = createRequire(import.meta.url);

/** pino, loaded on first use (it is CommonJS): a short command that logs nothing never pays for it. */
function loadPino(): typeof PinoModule.pino {
  return (require("pino") as typeof PinoModule).pino;
}

/** pino's fast destination on a file descriptor (1: stdout, the supervisor's JSON log for journald). */
export function fdDestination(fd: number): DestinationStream {
  return loadPino().destination(fd);
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  if (destination) return loadPino()(options, destination);
  // stderr: the logger itself is made on first use, so a command that logs nothing loads no pino.
  let logger: Logger | undefined;
  const real = (): Logger => (logger ??= loadPino()(options, loadPino().destination(2)));
  return new Proxy({} as Logger, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(real(), key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(real()) : value;
    },
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
  });
}
