import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { mkdir, open, readFile, readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { HostConfig } from "../config/schema.js";
import { parseReplicaUrl, type ReplicaTarget } from "../config/replica.js";
import { writeFileAtomic } from "../lib/fs.js";
import { createS3Client } from "./client.js";
import type { S3Credentials } from "./credentials.js";
import { classifyS3Error, replicaError } from "./errors.js";
import { downloadFile, fileChunks, uploadFile, writeStreamAtomic } from "./transfer.js";

/** One object of a detailed listing: its location (key or path), size, last write and ETag (S3 only). */
export interface ObjectInfo {
  location: string;
  size: number;
  lastModified: Date;
  etag: string | undefined;
}

/**
 * hostctl's own view of the replica target (markers, registry, lease, probes). Locations are the
 * keys (S3) or absolute paths (file) that config/replica.ts computes. Litestream's data is never written here.
 */
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
  const target = parseReplicaUrl(host.replica.url);
  if (target.kind === "file") return fileStore(host.replica.url, target);
  return s3Store(host.replica.url, target, createS3Client(host, credentials));
}

function s3Store(url: string, target: Extract<ReplicaTarget, { kind: "s3" }>, client: S3Client): ReplicaStore {
  const Bucket = target.bucket;
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw replicaError(classifyS3Error(error), url, error);
    }
  };
  return {
    url,
    target,
    list: (prefix, limit = 1000) => guard(async () => {
      const out = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: limit }));
      return (out.Contents ?? []).map((item) => item.Key ?? "").filter((key) => key !== "");
    }),
    get: (location) => guard(async () => {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: location }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") return undefined;
        throw error;
      }
    }),
    put: (location, body) => guard(async () => {
      await client.send(new PutObjectCommand({ Bucket, Key: location, Body: body }));
    }),
    delete: (location) => guard(async () => {
      await client.send(new DeleteObjectCommand({ Bucket, Key: location }));
    }),
    listDetailed: (prefix) => guard(async () => {
      const out: ObjectInfo[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        for (const item of page.Contents ?? []) {
          if (item.Key) out.push({ location: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0), etag: item.ETag });
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    }),
    putFile: (location, path) => uploadFile({ client, Bucket, Key: location, guard }, path),
    getFile: (location, path) => downloadFile({ client, Bucket, Key: location, guard }, path),
    copy: (from, to) => guard(async () => {
      try {
        // CopySource is "bucket/key" with the key URL-encoded; "/" stays a separator.
        const CopySource = `${Bucket}/${from.split("/").map(encodeURIComponent).join("/")}`;
        await client.send(new CopyObjectCommand({ Bucket, Key: to, CopySource }));
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") return false;
        throw error;
      }
    }),
    close: () => client.destroy(),
  };
}

async function walk(dir: string, limit: number, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return;
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
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
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
    list: (prefix, limit = 1000) => guard(async () => {
      const out: string[] = [];
      await walk(prefix, limit, out);
      return out;
    }),
    get: (location) => guard(async () => {
      try {
        return await readFile(location);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    }),
    put: (location, body) => guard(async () => {
      await mkdir(dirname(location), { recursive: true });
      await writeFileAtomic(location, body, 0o600);
    }),
    delete: (location) => guard(() => rm(location, { force: true })),
    listDetailed: (prefix) => guard(async () => {
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
