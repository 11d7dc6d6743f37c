import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { HostConfig } from "../config/schema.js";
import type { ReplicaTarget } from "../config/replica.js";
import { createS3Client } from "./client.js";
import type { S3Credentials } from "./credentials.js";
import { classifyS3Error, replicaError } from "./errors.js";
import type { ObjectInfo, ReplicaStore } from "./store.js";
import { downloadFile, uploadFile } from "./transfer.js";

/** The replica store on S3 (loaded on first use by store.ts, with the AWS SDK). */
export function s3Store(url: string, target: Extract<ReplicaTarget, { kind: "s3" }>, host: HostConfig, credentials: S3Credentials | undefined): ReplicaStore {
  const client = createS3Client(host, credentials);
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
