import { lstat, readlink } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { HostctlError } from "./errors.js";
import { isMissing } from "./fs-errors.js";

/** Pure: whether `path` is `root` itself or lies below it (lexically, after resolving `..`). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

// The last line of defence: names are validated earlier, but a missed validation still
// cannot reach a file outside HOME (refused with exit 2, naming the value).
export function pathInside(root: string, ...parts: string[]): string {
  const path = resolve(root, ...parts);
  if (!isInside(root, path) || parts.some((part) => part.includes("\0"))) {
    throw new HostctlError("USAGE", `"${parts.join("/")}" would leave ${root}`, { exitCode: 2 });
  }
  return path;
}

// hostctl chmods these and writes databases into them; a planted link would carry both
// outside HOME. A missing directory passes.
export async function refuseSymlinkedDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    const info = await lstat(dir).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (!info?.isSymbolicLink()) continue;
    throw new HostctlError(
      "PATH_IS_SYMLINK",
      `${dir} is a symbolic link (to ${await readlink(dir)}); hostctl does not follow links in an app's directory`,
      {
        hint: `make it a plain directory again (move what the link points at into it), or put all of HOME on the other disk instead`,
      },
    );
  }
}
