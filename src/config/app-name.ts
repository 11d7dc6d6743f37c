import { HostctlError } from "../lib/errors.js";
import { APP_NAME, APP_NAME_RULE } from "./app-schema.js";

/** Pure: whether `name` is a valid app name (the rule `app add` applies). */
export function isAppName(name: string): boolean {
  return APP_NAME.test(name);
}

/**
 * Every command and control route checks an app name with this before it builds a path or an S3 key
 * from it: an app name is a directory under HOME/apps and a prefix in the replica.
 */
export function assertAppName(name: string): string {
  if (!isAppName(name)) {
    throw new HostctlError("USAGE", `app name ${JSON.stringify(name)}: expected ${APP_NAME_RULE}`, {
      exitCode: 2,
      hint: "run: hostctl app list",
    });
  }
  return name;
}
