import { mkdir, open, readFile, readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { HostConfig } from "../config/schema.js";
import { parseReplicaUrl, type ReplicaTarget } from "../config/replica.js";
import { fileChunks, writeFileAtomic, writeStreamAtomic } from "../lib/fs.js";
import type { S3Credentials } from "./credentials.js";
import { replicaError } from "./errors.js";
import { isMissing, isMissingOrNotDir } from "../lib/fs-errors.js";

/** Location (key or path), size, last write and ETag (S3 only). */
export interface ObjectInfo {
  location: string;
  size: number;
  lastModified: Date;
  etag: string | undefined;
}

/** hostctl's own objects (markers, registry, lease, probes); Litestream's data is never written
 * here. Locations come from config/replica.ts. */
export interface ReplicaStore {
  readonly url: string;
  readonly target: ReplicaTarget;
  list(prefix: string, limit?: number): Promise<string[]>;
  get(location: string): Promise<Buffer | undefined>;
  put(location: string, body: string | Uint8Array): Promise<void>;
  delete(location: string): Promise<void>;
  /** Every object under the prefix (all pages), with size and last-modified time. */
  listDetailed(prefix: string): Promise<ObjectInfo[]>;
  /** Uploads a file from disk, streamed; multipart above 16 MiB on S3. */
  putFile(location: string, path: string): Promise<void>;
  /** Downloads an object to a local path atomically; false when the object does not exist. */
  getFile(location: string, path: string): Promise<boolean>;
  /** Server-side copy; false when the source does not exist. */
  copy(from: string, to: string): Promise<boolean>;
  close(): void;
}

export function createReplicaStore(host: HostConfig, credentials: S3Credentials | undefined): ReplicaStore {
  const url = host.replica.url;
  const target = parseReplicaUrl(url);
  if (target.kind === "file") return fileStore(url, target);
  return lazyStore(url, target, async () => (await import("./s3-store.js")).s3Store(url, target, host, credentials));
}

/** The AWS SDK takes ~0.15 s to load, so it loads on the first S3 call only. */
function lazyStore(url: string, target: ReplicaTarget, load: () => Promise<ReplicaStore>): ReplicaStore {
  let store: Promise<ReplicaStore> | undefined;
  const real = (): Promise<ReplicaStore> => (store ??= load());
  return {
    url,
    target,
    list: async (prefix, limit) => (await real()).list(prefix, limit),
    get: async (location) => (await real()).get(location),
    put: async (location, body) => (await real()).put(location, body),
    delete: async (location) => (await real()).delete(location),
    listDetailed: async (prefix) => (await real()).listDetailed(prefix),
    putFile: async (location, path) => (await real()).putFile(location, path),
    getFile: async (location, path) => (await real()).getFile(location, path),
    copy: async (from, to) => (await real()).copy(from, to),
    close: () =>
      void store?.then(
        (loaded) => loaded.close(),
        () => undefined,
      ),
  };
}

async function walk(dir: string, limit: number, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissingOrNotDir(error)) return;
    throw error;
  }
  for (const entry of entries) {
    if (out.length >= limit) return;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, limit, out);
    else out.push(path);
  }
}

/** The temp files of writeFileAtomic / writeStreamAtomic: half-written objects, never listed. */
const ATOMIC_TEMP = /^\..+\.[0-9a-f]{8}\.tmp$/;

async function copyIfExists(from: string, to: string, mode: number): Promise<boolean> {
  let source;
  try {
    source = await open(from, "r");
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  try {
    await writeStreamAtomic(to, fileChunks(source), mode);
    return true;
  } finally {
    await source.close();
  }
}

function fileStore(url: string, target: Extract<ReplicaTarget, { kind: "file" }>): ReplicaStore {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      await stat(target.dir);
    } catch (error) {
      throw replicaError("bucket-missing", url, error);
    }
    try {
      return await call();
    } catch (error) {
      throw replicaError("unreachable", url, error);
    }
  };
  return {
    url,
    target,
    list: (prefix, limit = 1000) =>
      guard(async () => {
        const out: string[] = [];
        await walk(prefix, limit, out);
        return out;
      }),
    get: (location) =>
      guard(async () => {
        try {
          return await readFile(location);
        } catch (error) {
          if (isMissing(error)) return undefined;
          throw error;
        }
      }),
    put: (location, body) =>
      guard(async () => {
        await mkdir(dirname(location), { recursive: true });
        await writeFileAtomic(location, body, 0o600);
      }),
    delete: (location) => guard(() => rm(location, { force: true })),
    listDetailed: (prefix) =>
      guard(async () => {
        const paths: string[] = [];
        await walk(prefix, Number.POSITIVE_INFINITY, paths);
        const out: ObjectInfo[] = [];
        for (const location of paths.filter((path) => !ATOMIC_TEMP.test(basename(path)))) {
          const info = await stat(location).catch(() => undefined);
          if (info) out.push({ location, size: info.size, lastModified: info.mtime, etag: undefined });
        }
        return out;
      }),
    putFile: async (location, path) => {
      // Opened outside the guard: a missing local file is the caller's problem, not the replica's.
      const source = await open(path, "r");
      try {
        await guard(() => writeStreamAtomic(location, fileChunks(source), 0o600));
      } finally {
        await source.close();
      }
    },
    getFile: (location, path) => guard(() => copyIfExists(location, path, 0o644)),
    copy: (from, to) => guard(() => copyIfExists(from, to, 0o600)),
    close: () => undefined,
  };
}
