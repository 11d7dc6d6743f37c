import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, symlink } from "node:fs/promises";
import { join } from "node:path";

/** A link to the live release's files, the same path for every release. */
export function staticLinkPath(dir: string, app: string): string {
  return join(dir, app);
}

// A new link renamed over the old one: a switch changes what Caddy serves without a config load,
// and a request sees one release or the other.
export async function pointStaticLink(dir: string, app: string, target: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${app}-${randomBytes(4).toString("hex")}`);
  await symlink(target, tmp);
  try {
    await rename(tmp, staticLinkPath(dir, app));
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
