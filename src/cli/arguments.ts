import { ConfigError, HostctlError, formatIssue, usageError } from "../lib/errors.js";

/** Turns config issues about values that came from flags into usage errors naming the flag. */
export function asArgumentError(error: unknown, flags: Record<string, string>): unknown {
  if (!(error instanceof ConfigError)) return error;
  const lines = error.issues.map((issue) => {
    // An issue with a line comes from a file (a rendered template), not a flag: keep file:line.
    if (issue.line !== undefined) return formatIssue(issue);
    const flag = Object.entries(flags).find(
      ([path]) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`),
    )?.[1];
    return flag ? `argument ${flag}: ${issue.message}` : `${issue.path || issue.file}: ${issue.message}`;
  });
  return new HostctlError("USAGE", lines.join("\n"), { exitCode: 2, cause: error });
}

/** "8001" → 8001; anything else stays a string so the schema reports exactly what was given. */
export function numberOrText(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseProcessFlags(values: readonly string[]): Record<string, string> {
  const processes: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1)
      throw usageError(
        `argument --process "${value}": expected TYPE=COMMAND, e.g. web="gunicorn mysite.wsgi --bind 127.0.0.1:$PORT"`,
      );
    processes[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return processes;
}
