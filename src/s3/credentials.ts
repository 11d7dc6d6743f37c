import { readFile } from "node:fs/promises";
import type { HostConfig } from "../config/schema.js";
import { parseEnvFile } from "../lib/env-file.js";
import { HostctlError } from "../lib/errors.js";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** hostctl.yml's credentials_file, else AWS_* / LITESTREAM_* in the environment. */
export async function readS3Credentials(host: HostConfig, env: NodeJS.ProcessEnv): Promise<S3Credentials | undefined> {
  let source: Record<string, string | undefined> = env;
  const file = host.replica.s3.credentials_file;
  if (file) {
    try {
      source = parseEnvFile(await readFile(file, "utf8"));
    } catch (error) {
      throw new HostctlError(
        "REPLICA_CREDENTIALS",
        `${file}: cannot read the S3 credentials file (replica.s3.credentials_file)`,
        {
          cause: error,
          hint: "check the path and that it is readable by hostctl (mode 0600)",
        },
      );
    }
  }
  const accessKeyId = source.AWS_ACCESS_KEY_ID ?? source.LITESTREAM_ACCESS_KEY_ID;
  const secretAccessKey = source.AWS_SECRET_ACCESS_KEY ?? source.LITESTREAM_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey };
}

/** Credentials travel in a Litestream child's env, never in its config or argv. */
export function litestreamEnv(credentials: S3Credentials | undefined): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" };
  if (credentials) {
    env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  }
  return env;
}
