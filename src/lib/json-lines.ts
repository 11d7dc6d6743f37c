import { open, readFile } from "node:fs/promises";
import { writeFileAtomic } from "./fs.js";

// One O_APPEND write, so a crash leaves at worst a torn last line. At 2 × `keep` lines
// the file is rewritten (temp + rename) down to the last `keep`.
export async function appendBoundedLine(file: string, value: unknown, keep: number): Promise<void> {
  const handle = await open(file, "a", 0o644);
  try {
    await handle.write(`${JSON.stringify(value)}\n`);
  } finally {
    await handle.close();
  }
  const lines = (await readFile(file, "utf8")).split("\n").filter((line) => line !== "");
  if (lines.length >= keep * 2) await writeFileAtomic(file, `${lines.slice(-keep).join("\n")}\n`, 0o644);
}

/** Pure: JSON-lines text → the objects `accept` takes, oldest first, skipping a torn last line. */
export function parseJsonLines<T>(text: string, accept: (value: Record<string, unknown>) => boolean): T[] {
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value === "object" && value !== null && accept(value as Record<string, unknown>)) out.push(value as T);
    } catch {
      // a torn last line after a crash
    }
  }
  return out;
}
