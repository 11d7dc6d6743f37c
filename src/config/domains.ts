import type { AppSpec } from "./schema.js";

/**
 * The host names an app is served on: `domains`, plus the single `domain` of app.yml files written before
 * `domains` existed (kept readable rather than rewritten, so an older hostctl can still read the file).
 */
export function appDomains(spec: Pick<AppSpec, "domain" | "domains">): string[] {
  return [...new Set([...spec.domains, ...(spec.domain === undefined ? [] : [spec.domain])])];
}
