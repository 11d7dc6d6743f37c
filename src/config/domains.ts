import type { AppSpec } from "./schema.js";

/** The old single `domain` stays readable, not rewritten, so an older hostctl can read the file. */
export function appDomains(spec: Pick<AppSpec, "domain" | "domains">): string[] {
  return [...new Set([...spec.domains, ...(spec.domain === undefined ? [] : [spec.domain])])];
}
