import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostConfig } from "../config/schema.js";
import { parseReplicaUrl, type ReplicaTarget } from "../config/replica.js";
import { writeFileAtomic } from "../lib/fs.js";
import { createS3Client } from "./client.js";
import type { S3Credentials } from "./credentials.js";
import { classifyS3Error, replicaError } from "./errors.js";

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
    close: () => undefined,
  };
}
