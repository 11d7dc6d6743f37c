import { HostctlError } from "../lib/errors.js";

// Here rather than in app-schema.ts, so that paths and commands check a name without loading zod.
export const APP_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const APP_NAME_RULE = "a lowercase letter, then up to 39 lowercase letters, digits or '-'";

/** Pure: whether `name` is a valid app name (the rule `app add` applies). */
export function isAppName(name: string): boolean {
  return APP_NAME.test(name);
}

/** Checked before any path or S3 key is built: a name is a directory and a replica prefix. */
export function assertAppName(name: string): string {
  if (!isAppName(name)) {
    throw new HostctlError("USAGE", `app name ${JSON.stringify(name)}: expected ${APP_NAME_RULE}`, {
      exitCode: 2,
      hint: "run: hostctl app list",
    });
  }
  return name;
}
