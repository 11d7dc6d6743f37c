import type { Runner } from "./exec.js";
import { errorMessage, stderrTailOf } from "./errors.js";

export type Row = Record<string, string | number | null>;

export interface QueryOptions {
  readonly?: boolean;
  timeoutMs?: number;
}

/**
 * Runs SQL through Debian's sqlite3 shell (no native Node addon to build on the host) and returns the
 * rows of the last statement. A busy timeout keeps us from failing on a writer holding the lock briefly.
 */
export async function sqliteQuery(run: Runner, db: string, sql: string, options: QueryOptions = {}): Promise<Row[]> {
  const args = ["-batch", "-bail", "-json", "-cmd", ".timeout 5000"];
  if (options.readonly) args.push("-readonly");
  args.push(db);
  const { stdout } = await run("sqlite3", args, { input: sql, timeoutMs: options.timeoutMs ?? 120_000 });
  const text = stdout.trim();
  if (text === "") return [];
  // With several statements the shell prints one JSON array per statement; keep the last.
  const start = text.lastIndexOf("\n[");
  return JSON.parse(start === -1 ? text : text.slice(start + 1)) as Row[];
}

/**
 * The line of a failed sqlite3 run that says what went wrong. The shell prints it first ("Parse error near
 * line 3: no such column: x", "Runtime error …", "Error: …") and follows it with the statement and a caret
 * line ("error here ---^"), so the last line alone names nothing.
 */
export function sqliteErrorLine(error: unknown): string {
  const lines = (stderrTailOf(error) || errorMessage(error))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.find((line) => /^(parse |runtime )?error\b/i.test(line)) ?? lines.at(-1) ?? "";
}
