import type { ReplicaTarget } from "../config/replica.js";
import { controlKey } from "../config/replica.js";

// _hostctl/media/<app>/<path> is the live copy; _hostctl/media-deleted/<app>/<ISO time>/<path>
// keeps a deleted file until retention ends.
export function mediaPrefix(target: ReplicaTarget, app: string): string {
  return `${controlKey(target, "media", app)}/`;
}

export function mediaKey(target: ReplicaTarget, app: string, relativePath: string): string {
  return controlKey(target, "media", app, relativePath);
}

export function deletedMediaPrefix(target: ReplicaTarget, app: string): string {
  return `${controlKey(target, "media-deleted", app)}/`;
}

export function deletedMediaKey(target: ReplicaTarget, app: string, deletedAt: Date, relativePath: string): string {
  return controlKey(target, "media-deleted", app, deletedAt.toISOString(), relativePath);
}

/** The part of a location after its prefix, or undefined when the location is not under it. */
export function relativeTo(prefix: string, location: string): string | undefined {
  return location.startsWith(prefix) ? location.slice(prefix.length) : undefined;
}
