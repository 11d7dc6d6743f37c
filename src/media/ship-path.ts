import { lstat } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import type { Claim, DirtySet } from "./dirty.js";
import { mediaKey } from "./replica-keys.js";
import { hasPlainAncestors } from "./restore.js";
import { scanMedia } from "./scan.js";
import type { MediaState } from "./state.js";
import { isDirectory, moveAside } from "./sync.js";
import type { TreeWatcher } from "./watch.js";
import { isMissingOrNotDir } from "../lib/fs-errors.js";

/** What shipping one path needs of its MediaShipper. */
export interface PathShipperDeps {
  ctx: HostContext;
  app: string;
  mediaDir: string;
  settleMs: number;
  dirty: DirtySet;
  watcher: () => TreeWatcher | undefined;
}

/** Replica errors (HostctlError) are thrown; the rest are handled. */
export class PathShipper {
  constructor(private readonly deps: PathShipperDeps) {}

  private get ctx(): HostContext {
    return this.deps.ctx;
  }

  private get app(): string {
    return this.deps.app;
  }

  private get mediaDir(): string {
    return this.deps.mediaDir;
  }

  private get dirty(): DirtySet {
    return this.deps.dirty;
  }

  /** Upload it, move it (or a gone directory) aside, or look into a new directory. */
  async ship(claim: Claim, state: MediaState, final: boolean): Promise<void> {
    const { path, seq } = claim;
    // lstat follows parent symlinks: a directory swapped for a link must not lead out.
    const info = !(await hasPlainAncestors(this.mediaDir, path))
      ? undefined
      : await lstat(join(this.mediaDir, path)).catch((error: unknown) => {
          if (isMissingOrNotDir(error)) return undefined;
          throw error;
        });
    if (info?.isDirectory()) return this.enterDirectory(claim, state);
    if (!info?.isFile()) return this.removeGone(claim, state);
    const stamp = { size: info.size, mtimeMs: Math.trunc(info.mtimeMs) };
    const before = state.files[path];
    if (before && before.size === stamp.size && before.mtimeMs === stamp.mtimeMs) return this.dirty.done(path, seq);
    const now = this.ctx.clock.now().getTime();
    if (!final && Math.abs(now - stamp.mtimeMs) < this.deps.settleMs)
      return this.dirty.defer(path, stamp.mtimeMs + this.deps.settleMs);
    try {
      await this.ctx.store.putFile(mediaKey(this.ctx.store.target, this.app, path), join(this.mediaDir, path));
    } catch (error) {
      if (error instanceof HostctlError) throw error;
      // A local problem (deleted or truncated since): its next event or the scan sees it as it is.
      this.ctx.log.warn(
        { event: "media.upload_skipped", app: this.app, path, error: errorMessage(error) },
        "media file skipped this round",
      );
      return this.dirty.defer(path, now + 5000);
    }
    // The pre-upload stamp: a file changed during upload has a new event and goes up again.
    state.files[path] = stamp;
    this.dirty.done(path, seq);
  }

  private async enterDirectory(claim: Claim, state: MediaState): Promise<void> {
    await this.deps.watcher()?.refresh(claim.path);
    const local = await scanMedia(join(this.mediaDir, claim.path));
    for (const [inner, stamp] of local) {
      const full = `${claim.path}/${inner}`;
      const before = state.files[full];
      if (!before || before.size !== stamp.size || before.mtimeMs !== stamp.mtimeMs) this.dirty.note(full, claim.since);
    }
    // A directory that replaced another: what the old one held and the new one does not is gone.
    for (const recorded of Object.keys(state.files)) {
      if (recorded.startsWith(`${claim.path}/`) && !local.has(recorded.slice(claim.path.length + 1)))
        this.dirty.note(recorded, claim.since);
    }
    this.dirty.done(claim.path, claim.seq);
  }

  /** Only recorded files, never while the media directory itself is missing. */
  private async removeGone(claim: Claim, state: MediaState): Promise<void> {
    this.deps.watcher()?.remove(claim.path);
    if (!(await isDirectory(this.mediaDir))) return this.dirty.drop(claim.path);
    // Out of the record before the first await, so a parallel claim inside a removed directory
    // finds nothing left: each file is moved aside once.
    const gone = state.files[claim.path]
      ? [claim.path]
      : Object.keys(state.files).filter((recorded) => recorded.startsWith(`${claim.path}/`));
    const stamps = new Map(gone.map((path) => [path, state.files[path]]));
    for (const path of gone) delete state.files[path];
    const now = this.ctx.clock.now();
    for (const [i, path] of gone.entries()) {
      try {
        await moveAside(this.ctx, this.app, path, now);
      } catch (error) {
        // Not moved: back in the record, so the retry moves them.
        for (const left of gone.slice(i)) state.files[left] = stamps.get(left) ?? { size: 0, mtimeMs: 0 };
        throw error;
      }
      if (path !== claim.path) this.dirty.drop(path);
    }
    if (gone.length > 0)
      this.ctx.log.info(
        { event: "media.deleted", app: this.app, files: gone.length, path: claim.path },
        "deleted media moved aside in the replica",
      );
    this.dirty.done(claim.path, claim.seq);
  }
}
