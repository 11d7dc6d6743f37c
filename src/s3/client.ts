import { S3Client } from "@aws-sdk/client-s3";
import type { HostConfig } from "../config/schema.js";
import type { S3Credentials } from "./credentials.js";

/** The one S3 client factory: short timeouts, so an unreachable replica is reported in seconds, not minutes. */
export function createS3Client(host: HostConfig, credentials: S3Credentials | undefined): S3Client {
  return new S3Client({
    region: host.replica.s3.region,
    ...(host.replica.s3.endpoint ? { endpoint: host.replica.s3.endpoint } : {}),
    forcePathStyle: host.replica.s3.force_path_style,
    ...(credentials ? { credentials } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 15_000 },
  });
}
