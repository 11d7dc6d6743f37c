import { watch, type FSWatcher } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isSafeRelativePath } from "./plan.js";
import { isMissingOrNotDir } from "../lib/fs-errors.js";

/** A relative path that may have changed, or a directory it cannot watch. */
export interface TreeWatchEvents {
  changed: (path: string) => void;
  /** inotify limit, EMFILE: the periodic scan still covers it. */
  failed: (directory: string, error: Error) => void;
}

export interface TreeWatcher {
  /** "" is the root; an already watched directory is left as it is. */
  add(relative: string): Promise<void>;
  /** Watches `relative` again from scratch (a directory that was replaced keeps no stale watch). */
  refresh(relative: string): Promise<void>;
  /** Stops watching `relative` and everything under it (it is gone). */
  remove(relative: string): void;
  /** Directories watched now. */
  size(): number;
  close(): void;
}

/** Node 20's `recursive: true` watches every file and walks the tree synchronously (150 ms for
 * 2,000 files); one watch per directory sees writes to its files too. Symlinks never followed. */
export function watchTree(root: string, events: TreeWatchEvents): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  const unwatch = (relative: string) => {
    for (const [dir, watcher] of watchers) {
      if (dir === relative || relative === "" || dir.startsWith(`${relative}/`)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
  };

  const watchOne = (relative: string): boolean => {
    if (closed || watchers.has(relative)) return false;
    let watcher: FSWatcher;
    try {
      watcher = watch(join(root, relative), { persistent: false }, (_type, name) => {
        if (name === null) return;
        const path = relative === "" ? String(name) : `${relative}/${String(name)}`;
        if (isSafeRelativePath(path)) events.changed(path);
      });
    } catch (error) {
      if (!isMissingOrNotDir(error)) events.failed(relative, error as Error);
      return false;
    }
    // The directory went away: its parent reports the name and the shipper looks again.
    watcher.on("error", () => unwatch(relative));
    watcher.on("close", () => {
      if (watchers.get(relative) === watcher) watchers.delete(relative);
    });
    watchers.set(relative, watcher);
    return true;
  };

  const add = async (relative: string): Promise<void> => {
    if (!watchOne(relative)) return;
    let entries;
    try {
      entries = await readdir(join(root, relative), { withFileTypes: true });
    } catch {
      unwatch(relative);
      return;
    }
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && isSafeRelativePath(path)) await add(path);
    }
  };

  return {
    add,
    refresh: (relative) => {
      unwatch(relative);
      return add(relative);
    },
    remove: unwatch,
    size: () => watchers.size,
    close: () => {
      closed = true;
      unwatch("");
    },
  };
}
