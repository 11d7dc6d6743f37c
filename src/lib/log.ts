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

/** Loaded on first use (it is CommonJS): a command that logs nothing never pays for it. */
function loadPino(): typeof PinoModule.pino {
  return (require("pino") as typeof PinoModule).pino;
}

/** fd 1 is stdout, the supervisor's JSON log for journald. */
export function fdDestination(fd: number): DestinationStream {
  return loadPino().destination(fd);
}

const LEVELS: Record<Exclude<LogLevel, "silent">, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

function levelValue(level: LogLevel): number {
  return level === "silent" ? Infinity : LEVELS[level];
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  if (destination) return loadPino()(options, destination);
  // stderr: the logger itself is made on first use, so a command that logs nothing loads no pino.
  let logger: Logger | undefined;
  return lazyLogger(levelValue(level), () => (logger ??= loadPino()(options, loadPino().destination(2))));
}

// pino is made only when a line at a logged level is written: the runner's debug line after
// every command loads nothing at the default "warn". The level never changes later.
function lazyLogger(threshold: number, real: () => Logger): Logger {
  const noop = () => undefined;
  return new Proxy({} as Logger, {
    get: (_target, key) => {
      if (typeof key === "string" && key in LEVELS && LEVELS[key as keyof typeof LEVELS] < threshold) return noop;
      if (key === "isLevelEnabled") return (name: LogLevel) => levelValue(name) >= threshold;
      if (key === "child") {
        return (bindings: Record<string, unknown>) => {
          let child: Logger | undefined;
          return lazyLogger(threshold, () => (child ??= real().child(bindings) as Logger));
        };
      }
      const value: unknown = Reflect.get(real(), key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(real()) : value;
    },
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
  });
}
