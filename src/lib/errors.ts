export type ExitCode = 1 | 2 | 70;

export type ErrorCode =
  | "USAGE"
  | "CONFIG_INVALID"
  | "CONFIG_MISSING"
  | "HOST_EXISTS"
  | "APP_EXISTS"
  | "APP_NOT_FOUND"
  | "APP_FAILED"
  | "PORT_IN_USE"
  | "TEMPLATE_INVALID"
  | "COMMAND_FAILED"
  | "REPLICA_UNREACHABLE"
  | "REPLICA_CREDENTIALS"
  | "REPLICA_BUCKET_MISSING"
  | "REPLICA_MARKER_MISMATCH"
  | "DATABASE_RENAMED"
  | "ENV_TOO_LARGE"
  | "PATH_IS_SYMLINK"
  | "REPLICA_ENGINE_MISMATCH"
  | "RESTORE_FAILED"
  | "DB_EXISTS"
  | "DB_MISSING"
  | "SUPERVISOR_RUNNING"
  | "SUPERVISOR_NOT_RUNNING"
  | "SUPERVISOR_REFUSED"
  | "SUPERVISOR_BUSY"
  | "LOCKED"
  | "DEPLOY_FAILED"
  | "DEPLOY_LOCKED"
  | "DEPLOY_REFUSED"
  | "RELEASE_NOT_FOUND"
  | "DOCTOR_FAILED"
  | "DISK_FULL"
  | "LEASE_HELD"
  | "LEASE_LOST"
  | "LEASE_SUPERSEDED"
  | "LINEAGE_SUPERSEDED"
  | "PROXY_START_FAILED"
  | "PROXY_CONFIG_REJECTED"
  | "LITEFS_FAILED"
  | "PYTHON_MISSING";

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: ExitCode;
}

/** A stable code, a message saying where and what, and a hint that is a command. */
export class HostctlError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HostctlError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

export interface ConfigIssue {
  file: string;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

export class ConfigError extends HostctlError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options: Omit<ErrorOptions, "exitCode"> = {}) {
    super("CONFIG_INVALID", issues.map(formatIssue).join("\n"), { ...options, exitCode: 2 });
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === "" ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

export function usageError(message: string, hint?: string): HostctlError {
  return new HostctlError("USAGE", message, { exitCode: 2, hint });
}

export class CommandFailedError extends HostctlError {
  readonly argv: string[];
  readonly exitStatus: number | undefined;
  readonly stderrTail: string;

  constructor(argv: string[], exitStatus: number | undefined, stderrTail: string, cause?: unknown) {
    const status = exitStatus === undefined ? "did not exit normally" : `exited with ${exitStatus}`;
    super("COMMAND_FAILED", `${argv.join(" ")} ${status}${stderrTail ? `:\n${stderrTail}` : ""}`, { cause });
    this.name = "CommandFailedError";
    this.argv = argv;
    this.exitStatus = exitStatus;
    this.stderrTail = stderrTail;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of an error's message: the one-line reason status, tables and poll state show. */
export function firstLine(error: unknown): string {
  return errorMessage(error).split("\n")[0] ?? "";
}

/** What a failed command printed last (a CommandFailedError's stderr tail), else "". */
export function stderrTailOf(error: unknown): string {
  return error instanceof CommandFailedError ? error.stderrTail : "";
}
