import type { Runner } from "./exec.js";
import { errorMessage, stderrTailOf } from "./errors.js";

export type Row = Record<string, string | number | null>;

export interface QueryOptions {
  readonly?: boolean;
  timeoutMs?: number;
}

// Debian's sqlite3 shell, so no native addon is built on the host; a busy timeout rides out a
// writer holding the lock briefly.
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

// sqlite3 prints the error first, then the statement and a caret line, so the last line
// alone names nothing.
export function sqliteErrorLine(error: unknown): string {
  const lines = (stderrTailOf(error) || errorMessage(error))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.find((line) => /^(parse |runtime )?error\b/i.test(line)) ?? lines.at(-1) ?? "";
}
