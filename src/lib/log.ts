import { pino, type Logger, type DestinationStream } from "pino";

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

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options, pino.destination(2));
}
