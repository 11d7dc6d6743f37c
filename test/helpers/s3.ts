import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { freePort } from "../../src/lib/net.js";
import { startFauxqs } from "fauxqs";

export const TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "hostctl-test-key",
  AWS_SECRET_ACCESS_KEY: "s3cr3t-test-value-9f8e7d",
};

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: {
      accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
}

/** A new bucket on the run's shared loopback S3 endpoint. */
export async function newBucket(): Promise<{ endpoint: string; bucket: string; client: S3Client }> {
  const endpoint = inject("s3Endpoint");
  const bucket = `t-${randomBytes(6).toString("hex")}`;
  const client = s3Client(endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { endpoint, bucket, client };
}

export async function listKeys(client: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key ?? "");
}

export async function getJson<T>(client: S3Client, bucket: string, key: string): Promise<T> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as T;
}

export async function deleteAll(client: S3Client, bucket: string, prefix = ""): Promise<void> {
  const keys = await listKeys(client, bucket, prefix);
  if (keys.length > 0)
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
}

/** A port nothing listens on: an S3 endpoint that is down. */
export function closedPort(): Promise<number> {
  return freePort();
}

/** A private S3 endpoint a test can stop and start again on the same port (S3 outage and recovery). */
export async function startPrivateS3(
  port = 0,
): Promise<{ endpoint: string; port: number; stop: () => Promise<void>; createBucket: (name: string) => void }> {
  const server = await startFauxqs({ port, host: "127.0.0.1", logger: false });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    stop: () => server.stop(),
    createBucket: (name) => void server.createBucket(name),
  };
}
