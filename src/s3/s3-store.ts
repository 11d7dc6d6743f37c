import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { HostConfig } from "../config/schema.js";
import type { ReplicaTarget } from "../config/replica.js";
import { S3_CALL_DEADLINE_MS, createS3Client } from "./client.js";
import type { S3Credentials } from "./credentials.js";
import { classifyS3Error, replicaError } from "./errors.js";
import type { ObjectInfo, ReplicaStore } from "./store.js";
import { downloadFile, uploadFile } from "./transfer.js";

/** The replica store on S3 (loaded on first use by store.ts, with the AWS SDK). */
export function s3Store(
  url: string,
  target: Extract<ReplicaTarget, { kind: "s3" }>,
  host: HostConfig,
  credentials: S3Credentials | undefined,
): ReplicaStore {
  const client = createS3Client(host, credentials);
  const Bucket = target.bucket;
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw replicaError(classifyS3Error(error), url, error);
    }
  };
  // A deadline across retries: a frozen endpoint fails the call as unreachable, in seconds.
  const timed = <T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> =>
    guard(async () => {
      const abortSignal = AbortSignal.timeout(S3_CALL_DEADLINE_MS);
      try {
        return await call({ abortSignal });
      } catch (error) {
        if (abortSignal.aborted) throw new Error(`no answer within ${S3_CALL_DEADLINE_MS / 1000} s`, { cause: error });
        throw error;
      }
    });
  return {
    url,
    target,
    list: (prefix, limit = 1000) =>
      timed(async (options) => {
        const out = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: limit }), options);
        return (out.Contents ?? []).map((item) => item.Key ?? "").filter((key) => key !== "");
      }),
    get: (location) =>
      timed(async (options) => {
        try {
          const out = await client.send(new GetObjectCommand({ Bucket, Key: location }), options);
          return Buffer.from(await out.Body!.transformToByteArray());
        } catch (error) {
          if ((error as { name?: string }).name === "NoSuchKey") return undefined;
          throw error;
        }
      }),
    put: (location, body) =>
      timed(async (options) => {
        await client.send(new PutObjectCommand({ Bucket, Key: location, Body: body }), options);
      }),
    delete: (location) =>
      timed(async (options) => {
        await client.send(new DeleteObjectCommand({ Bucket, Key: location }), options);
      }),
    listDetailed: async (prefix) => {
      const out: ObjectInfo[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await timed((options) =>
          client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }), options),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key)
            out.push({
              location: item.Key,
              size: item.Size ?? 0,
              lastModified: item.LastModified ?? new Date(0),
              etag: item.ETag,
            });
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    },
    putFile: (location, path) => uploadFile({ client, Bucket, Key: location, guard }, path),
    getFile: (location, path) => downloadFile({ client, Bucket, Key: location, guard }, path),
    copy: (from, to) =>
      timed(async (options) => {
        try {
          // CopySource is "bucket/key" with the key URL-encoded; "/" stays a separator.
          const CopySource = `${Bucket}/${from.split("/").map(encodeURIComponent).join("/")}`;
          await client.send(new CopyObjectCommand({ Bucket, Key: to, CopySource }), options);
          return true;
        } catch (error) {
          if ((error as { name?: string }).name === "NoSuchKey") return false;
          throw error;
        }
      }),
    close: () => client.destroy(),
  };
}
