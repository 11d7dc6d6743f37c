import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, basename, join } from "node:path";

/** Writes a file so readers see either the old or the new content, never half of it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await writeStreamAtomic(path, [typeof data === "string" ? Buffer.from(data) : data], mode);
}

/** Temp file beside `path`, fsync, then rename: readers never see half a file. */
export async function writeStreamAtomic(
  path: string,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  mode = 0o644,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(tmp, "w", mode);
  try {
    for await (const chunk of source) await handle.write(chunk);
    await handle.sync();
    await handle.close();
    // open() honours the umask; the mode must be exact for secret-bearing files.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Reads an open file in chunks, for writeStreamAtomic. */
export async function* fileChunks(handle: FileHandle, chunkSize = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (let position = 0; ;) {
    const buffer = Buffer.alloc(chunkSize);
    const { bytesRead } = await handle.read(buffer, 0, chunkSize, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
