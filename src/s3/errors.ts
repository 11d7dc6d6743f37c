import { HostctlError, errorMessage } from "../lib/errors.js";

export type ReplicaProblem = "unreachable" | "credentials" | "bucket-missing";

const CODES = {
  unreachable: "REPLICA_UNREACHABLE",
  credentials: "REPLICA_CREDENTIALS",
  "bucket-missing": "REPLICA_BUCKET_MISSING",
} as const;

const CREDENTIAL_ERRORS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "CredentialsProviderError",
  "ExpiredToken",
  "InvalidToken",
]);

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Pure: never "empty": that is an answer, not a failure. */
export function classifyS3Error(error: unknown): ReplicaProblem {
  const e = (error ?? {}) as AwsLikeError;
  const name = e.name ?? e.Code ?? "";
  if (name === "NoSuchBucket") return "bucket-missing";
  if (CREDENTIAL_ERRORS.has(name)) return "credentials";
  const status = e.$metadata?.httpStatusCode;
  if (status === 401 || status === 403) return "credentials";
  if (status === 404 && name !== "NoSuchKey") return "bucket-missing";
  return "unreachable";
}

export function replicaError(problem: ReplicaProblem, where: string, cause: unknown): HostctlError {
  const what = {
    unreachable: `cannot reach the replica at ${where}`,
    credentials: `the replica at ${where} refused the S3 credentials`,
    "bucket-missing": `the bucket of ${where} does not exist`,
  }[problem];
  const hint = {
    unreachable: "check the network and replica.s3.endpoint; run: hostctl doctor",
    credentials: "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or replica.s3.credentials_file; run: hostctl doctor",
    "bucket-missing": "create the bucket or fix replica.url in hostctl.yml",
  }[problem];
  return new HostctlError(CODES[problem], `${what}: ${errorMessage(cause)}`, { cause, hint });
}
