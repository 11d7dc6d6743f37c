import { isAbsolute, relative, resolve } from "node:path";
import { HostctlError } from "./errors.js";

/** Pure: whether `path` is `root` itself or lies below it (lexically, after resolving `..`). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * The one way a path under HOME is built from values a user or a client gave: joined, resolved, and
 * refused (exit 2, naming the value) when the result would leave `root`. Names are validated before
 * they get here; this is the last line, so a missed validation cannot reach a file outside HOME.
 */
export function pathInside(root: string, ...parts: string[]): string {
  const path = resolve(root, ...parts);
  if (!isInside(root, path) || parts.some((part) => part.includes("\0"))) {
    throw new HostctlError("USAGE", `"${parts.join("/")}" would leave ${root}`, { exitCode: 2 });
  }
  return path;
}
