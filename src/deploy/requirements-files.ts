import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

/** `-r FILE`, `--requirement FILE`, `-c FILE`, `--constraint=FILE` (pip's include options). */
const INCLUDE = /^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)/;

/** Pure: relative to the including file's directory. */
export function includedFiles(text: string): string[] {
  return text
    .split("\n")
    .map((line) => INCLUDE.exec(line)?.[1])
    .filter((f): f is string => f !== undefined && !/^[a-z]+:\/\//i.test(f));
}

/** Each file as `path\0content` in pip's read order: what a venv built from them depends on. */
export async function requirementsClosure(releaseDir: string, top = "requirements.txt"): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, "utf8").catch(() => undefined);
    out.push(`${relative(releaseDir, file)}\0${text ?? "<missing>"}`);
    for (const include of includedFiles(text ?? "")) await visit(join(dirname(file), include));
  };
  await visit(join(releaseDir, top));
  return out;
}
