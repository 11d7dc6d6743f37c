import { S3Client } from "@aws-sdk/client-s3";
import type { HostConfig } from "../config/schema.js";
import type { S3Credentials } from "./credentials.js";

/** One S3 call with no answer by then fails as REPLICA_UNREACHABLE. */
export const S3_CALL_DEADLINE_MS = s3CallDeadlineMs(process.env);
/** An idle socket this long is dead: a frozen endpoint accepts and never answers. */
export const S3_IDLE_TIMEOUT_MS = S3_CALL_DEADLINE_MS / 2;

/** 10 s; HOSTCTL_S3_DEADLINE_MS shortens it for frozen-endpoint tests only. */
export function s3CallDeadlineMs(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.HOSTCTL_S3_DEADLINE_MS);
  return Number.isInteger(ms) && ms > 0 ? ms : 10_000;
}

/** Short timeouts, so an unreachable replica is reported in seconds, not minutes. */
export function createS3Client(host: HostConfig, credentials: S3Credentials | undefined): S3Client {
  // We support Node 20; the SDK's notice about its future releases is no operator's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return new S3Client({
    region: host.replica.s3.region,
    ...(host.replica.s3.endpoint ? { endpoint: host.replica.s3.endpoint } : {}),
    forcePathStyle: host.replica.s3.force_path_style,
    ...(credentials ? { credentials } : {}),
    maxAttempts: 2,
    // The SDK's requestTimeout only warns (a frozen endpoint hung for minutes): an idle socket
    // fails the call; small calls also get a total deadline (s3-store.ts).
    requestHandler: { connectionTimeout: 2000, socketTimeout: S3_IDLE_TIMEOUT_MS },
  });
}
