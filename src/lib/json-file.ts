import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./fs.js";
import { isMissing } from "./fs-errors.js";

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** hostctl's own records are private: 0600 unless a caller says otherwise. */
export async function writeJsonFile(path: string, data: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`, mode);
}
