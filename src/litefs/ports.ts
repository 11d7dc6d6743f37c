import type { AppSpec } from "../config/schema.js";
import { isLitefsApp } from "./paths.js";

/** How many LiteFS apps one host's port range holds. */
export const LITEFS_PORT_SPAN = 50;

// Every node hosts the same LiteFS apps, so the index in name order matches and a replica can
// compute the primary's port for an app.
export function litefsPort(portBase: number, apps: readonly AppSpec[], name: string): number {
  const names = apps
    .filter(isLitefsApp)
    .map((app) => app.name)
    .sort();
  const index = names.indexOf(name);
  if (index < 0) throw new Error(`internal: ${name} is not a LiteFS app`);
  return portBase + index;
}
