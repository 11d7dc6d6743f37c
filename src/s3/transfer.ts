import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { writeStreamAtomic } from "../lib/fs.js";

/** Above this, multipart: memory stays bounded and a failed part is retried alone. */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** S3 wants parts of at least 5 MiB (except the last) and at most 10,000 of them. */
const PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** Wraps one S3 call so its failure becomes a replica error; local file errors are not wrapped. */
export type S3Guard = <T>(call: () => Promise<T>) => Promise<T>;

interface Target {
  client: S3Client;
  Bucket: string;
  Key: string;
  guard: S3Guard;
}

export function partSize(size: number): number {
  return Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS));
}

async function readChunk(handle: FileHandle, path: string, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead < length)
    throw Object.assign(new Error(`${path} shrank while it was being uploaded`), { code: "ECHANGED" });
  return buffer;
}

/** One PutObject up to MULTIPART_THRESHOLD, else multipart, read part by part. */
export async function uploadFile(target: Target, path: string): Promise<void> {
  const { client, Bucket, Key, guard } = target;
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size <= MULTIPART_THRESHOLD) {
      const body = await readChunk(handle, path, 0, size);
      await guard(() => client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: size })));
      return;
    }
    const { UploadId } = await guard(() => client.send(new CreateMultipartUploadCommand({ Bucket, Key })));
    try {
      const parts: CompletedPart[] = [];
      const step = partSize(size);
      for (let offset = 0, PartNumber = 1; offset < size; offset += step, PartNumber++) {
        const body = await readChunk(handle, path, offset, Math.min(step, size - offset));
        const out = await guard(() =>
          client.send(
            new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.length }),
          ),
        );
        parts.push({ PartNumber, ETag: out.ETag });
      }
      await guard(() =>
        client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } })),
      );
    } catch (error) {
      // Best effort: an upload left open costs storage until the bucket's lifecycle rule aborts it.
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** Downloads one object to `path` atomically; false when the object does not exist. */
export async function downloadFile(target: Target, path: string): Promise<boolean> {
  const { client, Bucket, Key, guard } = target;
  return guard(async () => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket, Key }));
      if (!(out.Body instanceof Readable)) throw new Error(`unexpected body type for ${Key}`);
      await writeStreamAtomic(path, out.Body as AsyncIterable<Uint8Array>);
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === "NoSuchKey") return false;
      throw error;
    }
  });
}
