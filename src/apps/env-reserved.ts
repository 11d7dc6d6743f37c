import { usageError } from "../lib/errors.js";

/** An env file cannot override these (they would be silently ignored); SECRET_KEY and the like
 * stay the app's. A feature adding a hostctl-owned variable adds it here. */
export const RESERVED_ENV = {
  names: ["PORT", "DATABASE_URL"] as string[],
  prefixes: ["HOSTCTL_"] as string[],
};

/** Pure: whether `key` is owned by hostctl. */
export function isReservedEnv(key: string): boolean {
  return RESERVED_ENV.names.includes(key) || RESERVED_ENV.prefixes.some((prefix) => key.startsWith(prefix));
}

/** Throws exit 2 naming the first reserved variable among `keys`. */
export function refuseReservedEnv(keys: readonly string[]): void {
  const reserved = keys.find(isReservedEnv);
  if (reserved === undefined) return;
  const owned = [...RESERVED_ENV.names, ...RESERVED_ENV.prefixes.map((p) => `${p}*`)].join(", ");
  throw usageError(
    `variable ${reserved} is set by hostctl for every process (${owned}); it cannot be set in the app's env`,
  );
}
