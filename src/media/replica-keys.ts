import type { ReplicaTarget } from "../config/replica.js";
import { controlKey } from "../config/replica.js";

/**
 * Replica layout of an app's media, beside hostctl's other objects:
 *   _hostctl/media/<app>/<relative path>                      live copy of each file
 *   _hostctl/media-deleted/<app>/<ISO time>/<relative path>   a deleted file, kept until retention ends
 */
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
