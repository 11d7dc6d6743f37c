import { cp, mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs } from "../helpers/tmp.js";
import { newBucket } from "../helpers/s3.js";
import { sql } from "../helpers/sqlite.js";
import { FIXTURES, installRelease, migrateDjango } from "../helpers/apps.js";
import { touchCanary } from "../../src/drills/canary.js";
import type { DrillResult } from "../../src/drills/result.js";
import { syncMedia } from "../../src/media/sync.js";
import { readMediaReferences } from "../../src/drills/media-refs.js";
import { hostPaths } from "../../src/config/paths.js";
import { loadAppSpec } from "../../src/config/app.js";
import {
  addApp,
  hostContext,
  initHost,
  killAllLitestream,
  run,
  startLitestream,
  waitReplicated,
  type TestHost,
} from "./drill-harness.js";

let host: TestHost;
let s3: Awaited<ReturnType<typeof newBucket>>;
let db: string;
let media: string;

async function drill(): Promise<{ exitCode: number; result: DrillResult; stdout: string }> {
  const out = await runCli(host.home, ["drill", "pics", "--json"]);
  return { exitCode: out.exitCode, result: JSON.parse(out.stdout || "{}") as DrillResult, stdout: out.stdout };
}

const checkOf = (result: DrillResult, name: string) => result.databases[0]?.checks.find((c) => c.name === name);

/** A media file as a finished upload: written a minute ago, so settled for a sync round. */
async function upload(path: string, content: string): Promise<void> {
  await mkdir(join(media, path, ".."), { recursive: true });
  await writeFile(join(media, path), content);
  const settled = new Date(Date.now() - 60_000);
  await utimes(join(media, path), settled, settled);
}

async function ship(): Promise<void> {
  await syncMedia("pics", media, await hostContext(host));
}

beforeAll(async () => {
  s3 = await newBucket();
  host = await initHost(s3.endpoint, s3.bucket);
  db = await addApp(host, "pics", ["--kind", "django"]);
  media = join(host.home, "apps", "pics", "data", "media");
  // The Django fixture with a model that has a FileField, added by a migration (the deploy tests' variants).
  const release = await installRelease(host.home, "pics", "django-app");
  await cp(join(FIXTURES, "django-variants", "models_attachment.py"), join(release, "notes", "models.py"));
  await cp(
    join(FIXTURES, "django-variants", "0002_attachment.py"),
    join(release, "notes", "migrations", "0002_attachment.py"),
  );
  await migrateDjango(host.home, "pics", release);
  await sql(
    db,
    `PRAGMA journal_mode=WAL;
    INSERT INTO notes_note(body, created_at) VALUES ('with files', '2026-01-01 00:00:00');
    INSERT INTO notes_attachment(note_id, file) VALUES (1, 'uploads/present.pdf'), (1, 'uploads/missing photo.jpg'), (NULL, '');`,
  );
  await touchCanary(run, db, new Date());
  await upload("uploads/present.pdf", "a shipped document");
  await ship();
  void startLitestream(host, "pics");
  await waitReplicated(s3.client, s3.bucket, host, "pics");
});

afterAll(async () => {
  await killAllLitestream();
  await cleanupTempDirs();
});

describe("drill: files the restored database references are in the replica", () => {
  it("warns, without failing, about a referenced file the live host lacks as well (it was never there to replicate)", async () => {
    const { exitCode, result, stdout } = await drill();
    expect(checkOf(result, "media_references")).toEqual({
      name: "media_references",
      ok: true,
      detail:
        "1 referenced files are all in the replica; warning: 1 missing on the live host as well (never uploaded or deleted; drills.media_references.ignore silences them): uploads/missing photo.jpg (notes.Attachment.file)",
    });
    expect(exitCode, stdout).toBe(0);
  });

  it("fails naming the referenced file the replica does not hold, with the model field that references it", async () => {
    // On the live host, just written: not yet shipped, and not late for media freshness.
    await writeFile(join(media, "uploads", "missing photo.jpg"), "the photo");
    const { exitCode, result } = await drill();
    expect(exitCode).toBe(1);
    expect(checkOf(result, "media_references")).toEqual({
      name: "media_references",
      ok: false,
      detail: "1 of 2 referenced files are not in the replica: uploads/missing photo.jpg (notes.Attachment.file)",
    });
    expect(result.reason).toContain("uploads/missing photo.jpg");
  });

  it("passes once the file is shipped", async () => {
    await upload("uploads/missing photo.jpg", "the photo");
    await ship();
    const { exitCode, result, stdout } = await drill();
    expect(checkOf(result, "media_references")).toEqual({
      name: "media_references",
      ok: true,
      detail: "2 referenced files are all in the replica",
    });
    expect(exitCode, stdout).toBe(0);
  });

  it("reads the references from the restored copy it is given, never from the live database", async () => {
    const copy = join(host.home, "copy.sqlite3");
    await sql(db, `VACUUM INTO '${copy}'`);
    await sql(copy, "INSERT INTO notes_attachment(note_id, file) VALUES (1, 'uploads/only-in-copy.txt');");
    await sql(db, "INSERT INTO notes_attachment(note_id, file) VALUES (1, 'uploads/only-live.txt');");
    const refs = await readMediaReferences(
      await loadAppSpec(hostPaths(host.home), "pics"),
      await hostContext(host),
      copy,
      db,
    );
    expect(refs?.references.map(([name]) => name)).toEqual([
      "uploads/missing photo.jpg",
      "uploads/only-in-copy.txt",
      "uploads/present.pdf",
    ]);
    await sql(db, "DELETE FROM notes_attachment WHERE file = 'uploads/only-live.txt';");
  });

  it("fails media freshness, naming the file, when a live upload older than max_lag is not in the replica", async () => {
    await upload("uploads/never shipped.png", "unshipped");
    const { exitCode, result } = await drill();
    expect(exitCode).toBe(1);
    expect(checkOf(result, "media_freshness")).toMatchObject({
      ok: false,
      detail: "1 live media files older than 60s are not in the replica: uploads/never shipped.png",
    });
    await rm(join(media, "uploads/never shipped.png"));
  });
});
