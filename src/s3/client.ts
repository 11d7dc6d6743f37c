import { S3Client } from "@aws-sdk/client-s3";
import type { HostConfig } from "../config/schema.js";
import type { S3Credentials } from "./credentials.js";

/** The one S3 client factory: short timeouts, so an unreachable replica is reported in seconds, not minutes. */
export function createS3Client(host: HostConfig, credentials: S3Credentials | undefined): S3Client {
  // Node 20 is a supported runtime for us; the SDK's notice about its future releases is not an operator's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return new S3Client({
    region: host.replica.s3.region,
    ...(host.replica.s3.endpoint ? { endpoint: host.replica.s3.endpoint } : {}),
    forcePathStyle: host.replica.s3.force_path_style,
    ...(credentials ? { credentials } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 15_000 },
  });
}
