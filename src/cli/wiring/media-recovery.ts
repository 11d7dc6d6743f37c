import { join } from "node:path";
import type { Timer } from "../../lib/clock.js";
import { errorMessage } from "../../lib/errors.js";
import { readMediaReferences } from "../../drills/media-refs.js";
import { scanMedia } from "../../media/scan.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { AppUnit } from "../../supervisor/app-unit.js";
import { databaseDirOf } from "../../litefs/paths.js";
import { isDjangoKind } from "../../config/kinds.js";

const POLL_MS = 2000;
/** Named one log line each, up to this many; the rest are counted in the summary. */
const LOG_LIMIT = 100;

// Missing referenced files are logged once each; the app is not held back, as a missing upload
// is a broken image, not a reason to stay dark.
export function watchRecoveredReferences(supervisor: Supervisor, recovered: Set<string>): void {
  const { ctx } = supervisor;
  const check = async (unit: AppUnit) => {
    const db = unit.spec.databases[0];
    if (!db) return;
    const refs = await readMediaReferences(
      unit.spec,
      ctx,
      join(databaseDirOf(unit.spec, unit.paths), db.path),
      join(databaseDirOf(unit.spec, unit.paths), db.path),
    );
    if (!refs) return;
    const local = await scanMedia(unit.paths.media);
    const missing = refs.references.filter(([name]) => !local.has(name));
    for (const [path, where] of missing.slice(0, LOG_LIMIT)) {
      ctx.log.warn(
        { event: "media.missing_reference", app: unit.spec.name, path, field: where },
        `referenced by ${where} but not in the restored media: ${path}`,
      );
    }
    ctx.log.info(
      {
        event: "media.references_checked",
        app: unit.spec.name,
        referenced: refs.references.length,
        missing: missing.length,
      },
      missing.length === 0
        ? "every file the restored database references is in the restored media"
        : `${missing.length} referenced files are missing from the restored media`,
    );
  };
  const round = () => {
    for (const name of [...recovered]) {
      const unit = supervisor.units.get(name);
      if (!unit || !isDjangoKind(unit.spec.kind)) {
        recovered.delete(name);
        continue;
      }
      if (unit.state !== "running") continue;
      recovered.delete(name);
      check(unit).catch((error: unknown) =>
        ctx.log.warn(
          { event: "media.references_unchecked", app: name, reason: errorMessage(error) },
          "could not list the files the restored database references",
        ),
      );
    }
  };
  let timer: Timer | undefined;
  supervisor.attach({
    start: () => {
      timer = ctx.clock.setInterval(round, POLL_MS);
    },
    stop: () => {
      timer?.cancel();
      return Promise.resolve();
    },
  });
}
