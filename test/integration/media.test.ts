import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostContext } from "../../src/host/context.js";
import { parseHostConfig } from "../../src/config/host.js";
import { hostPaths } from "../../src/config/paths.js";
import { systemClock } from "../../src/lib/clock.js";
import { createRunner } from "../../src/lib/exec.js";
import { createLogger } from "../../src/lib/log.js";
import { restoreMedia } from "../../src/media/restore.js";
import { mediaStats } from "../../src/media/scan.js";
import { syncMedia } from "../../src/media/sync.js";
import { createReplicaStore } from "../../src/s3/store.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

const credentials = {
  accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
};
let s3: Awaited<ReturnType<typeof newBucket>>;
const HOUR = 3_600_000;

beforeAll(async () => {
  s3 = await newBucket();
});
afterAll(cleanupTempDirs);

async function context(replicaUrl: string): Promise<HostContext> {
  const home = await tempDir("media");
  const host = parseHostConfig(
    `replica:\n  url: ${replicaUrl}\n  s3:\n    endpoint: ${s3.endpoint}\n    force_path_style: true\n`,
    "hostctl.yml",
  );
  const log = createLogger("silent");
  return {
    paths: hostPaths(home),
    host,
    log,
    run: createRunner(log),
    clock: systemClock,
    env: {},
    credentials,
    store: createReplicaStore(host, credentials),
    litestream: "litestream",
  };
}

/** Writes a file whose mtime is a minute old, so it is settled for a sync at the real time. */
async function put(dir: string, path: string, content: string | Buffer): Promise<void> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  const settled = new Date(Date.now() - 60_000);
  await utimes(file, settled, settled);
}

async function objectText(key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return out.Body!.transformToString();
}

async function treeHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  }
  return out;
}

describe("media sync", () => {
  it("uploads new files, then only changed ones, and moves deleted ones aside", async () => {
    const ctx = await context(`s3://${s3.bucket}/sync`);
    const media = join(ctx.paths.home, "apps", "blog", "data", "media");
    await put(media, "images/a.jpg", "aaa");
    await put(media, "images/b.jpg", "bbb");
    await put(media, "docs/c.pdf", "ccc");
    expect(await syncMedia("blog", media, ctx)).toEqual({
      files: 3,
      bytes: 9,
      uploaded: 3,
      uploadedBytes: 9,
      deleted: 0,
      purged: 0,
      pending: 0,
    });
    expect((await listKeys(s3.client, s3.bucket, "sync/_hostctl/media/blog/")).sort()).toEqual([
      "sync/_hostctl/media/blog/docs/c.pdf",
      "sync/_hostctl/media/blog/images/a.jpg",
      "sync/_hostctl/media/blog/images/b.jpg",
    ]);

    await put(media, "images/a.jpg", "a changed");
    await rm(join(media, "images/b.jpg"));
    const now = new Date();
    expect(await syncMedia("blog", media, ctx, { now })).toMatchObject({
      files: 2,
      uploaded: 1,
      deleted: 1,
      purged: 0,
    });
    expect(await objectText("sync/_hostctl/media/blog/images/a.jpg")).toBe("a changed");
    expect(await listKeys(s3.client, s3.bucket, "sync/_hostctl/media/blog/images/b.jpg")).toEqual([]);
    expect(await objectText(`sync/_hostctl/media-deleted/blog/${now.toISOString()}/images/b.jpg`)).toBe("bbb");

    expect(await syncMedia("blog", media, ctx)).toMatchObject({ uploaded: 0, deleted: 0 });
  });

  it("keeps a deleted file restorable until the retention period ends, then purges it", async () => {
    const ctx = await context(`s3://${s3.bucket}/retention`);
    const media = join(ctx.paths.home, "media");
    await put(media, "old photo.png", "old");
    await syncMedia("blog", media, ctx);
    await rm(join(media, "old photo.png"));
    const deletedAt = new Date();
    await syncMedia("blog", media, ctx, { now: deletedAt });
    const deletedKeys = () => listKeys(s3.client, s3.bucket, "retention/_hostctl/media-deleted/blog/");
    const at = (ms: number) => new Date(deletedAt.getTime() + ms);

    expect(await syncMedia("blog", media, ctx, { now: at(71 * HOUR) })).toMatchObject({ purged: 0 });
    expect(await deletedKeys()).toEqual([
      `retention/_hostctl/media-deleted/blog/${deletedAt.toISOString()}/old photo.png`,
    ]);
    expect(await syncMedia("blog", media, ctx, { now: at(72 * HOUR + 1) })).toMatchObject({ purged: 1 });
    expect(await deletedKeys()).toEqual([]);
  });

  it("leaves a file still being written for the next round", async () => {
    const ctx = await context(`s3://${s3.bucket}/settle`);
    const media = join(ctx.paths.home, "media");
    await mkdir(media, { recursive: true });
    await writeFile(join(media, "upload.part"), "half");
    expect(await syncMedia("blog", media, ctx)).toMatchObject({ uploaded: 0, pending: 1 });
    expect(await syncMedia("blog", media, ctx, { now: new Date(Date.now() + 3000) })).toMatchObject({
      uploaded: 1,
      pending: 0,
    });
  });

  it("skips symlinks, including a linked directory that leads out of the media directory", async () => {
    const ctx = await context(`s3://${s3.bucket}/links`);
    const media = join(ctx.paths.home, "media");
    const outside = join(ctx.paths.home, "secrets");
    await put(outside, "key.pem", "secret");
    await put(media, "real.txt", "real");
    await symlink(join(outside, "key.pem"), join(media, "link.pem"));
    await symlink(outside, join(media, "linked-dir"));
    expect(await syncMedia("blog", media, ctx)).toMatchObject({ files: 1, uploaded: 1 });
    expect(await listKeys(s3.client, s3.bucket, "links/")).toEqual(["links/_hostctl/media/blog/real.txt"]);
  });

  it("deletes nothing when the media directory is missing", async () => {
    const ctx = await context(`s3://${s3.bucket}/missing`);
    const media = join(ctx.paths.home, "media");
    await put(media, "keep.jpg", "keep");
    await syncMedia("blog", media, ctx);
    await rm(media, { recursive: true });
    expect(await syncMedia("blog", media, ctx)).toMatchObject({ files: 0, deleted: 0 });
    expect(await listKeys(s3.client, s3.bucket, "missing/_hostctl/media/blog/")).toHaveLength(1);
  });

  it("uploads a 20 MiB file in parts", async () => {
    const ctx = await context(`s3://${s3.bucket}/large`);
    const media = join(ctx.paths.home, "media");
    const big = randomBytes(20 * 1024 * 1024);
    await put(media, "video/big.mp4", big);
    expect(await syncMedia("blog", media, ctx)).toMatchObject({ uploaded: 1, uploadedBytes: big.length });
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: "large/_hostctl/media/blog/video/big.mp4" }),
    );
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toMatch(/-3"$/);
    const target = join(ctx.paths.home, "restored");
    await restoreMedia("blog", target, ctx, { stateFile: join(ctx.paths.home, "restored-state.json") });
    expect(
      createHash("sha256")
        .update(await readFile(join(target, "video/big.mp4")))
        .digest("hex"),
    ).toBe(createHash("sha256").update(big).digest("hex"));
  });
});

describe("media restore", () => {
  it("rebuilds the live tree byte-identical in an empty directory, without the deleted files", async () => {
    const first = await context(`s3://${s3.bucket}/restore`);
    const media = join(first.paths.home, "media");
    await put(media, "a.txt", "alpha");
    await put(media, "nested/deep/b.bin", randomBytes(70_000));
    await put(media, "nested/c d.jpg", randomBytes(1234));
    await put(media, "empty.txt", "");
    await put(media, "gone.txt", "deleted later");
    await syncMedia("blog", media, first);
    await rm(join(media, "gone.txt"));
    await syncMedia("blog", media, first);

    const fresh = await context(`s3://${s3.bucket}/restore`);
    const target = join(fresh.paths.home, "apps", "blog", "data", "media");
    expect(await restoreMedia("blog", target, fresh)).toEqual({ files: 4, bytes: 5 + 70_000 + 1234, downloaded: 4 });
    expect(await treeHashes(target)).toEqual(await treeHashes(media));
    expect(await mediaStats(target)).toEqual({ files: 4, bytes: 5 + 70_000 + 1234 });
    expect(await syncMedia("blog", target, fresh)).toMatchObject({ uploaded: 0, deleted: 0 });
  });

  it("keeps files already present with the same size", async () => {
    const ctx = await context(`s3://${s3.bucket}/present`);
    const media = join(ctx.paths.home, "media");
    await put(media, "a.txt", "alpha");
    await put(media, "b.txt", "bravo");
    await syncMedia("blog", media, ctx);
    await rm(join(media, "b.txt"));
    expect(await restoreMedia("blog", media, ctx)).toEqual({ files: 2, bytes: 10, downloaded: 1 });
    expect(await readFile(join(media, "b.txt"), "utf8")).toBe("bravo");
  });

  it("does not upload everything again when the sync state is lost", async () => {
    const ctx = await context(`s3://${s3.bucket}/lost-state`);
    const media = join(ctx.paths.home, "media");
    await put(media, "a.txt", "alpha");
    await put(media, "b.txt", "bravo");
    await syncMedia("blog", media, ctx);
    await rm(join(ctx.paths.home, "apps", "blog", "media-state.json"));
    await put(media, "b.txt", "BRAVO!");
    expect(await syncMedia("blog", media, ctx)).toMatchObject({ uploaded: 1, uploadedBytes: 6 });
  });

  it("works the same against a file:// replica", async () => {
    const ctx = await context(`file://${await tempDir("media-replica")}`);
    const media = join(ctx.paths.home, "media");
    await put(media, "x/y.txt", "why");
    await put(media, "z.txt", "zed");
    await syncMedia("blog", media, ctx);
    await rm(join(media, "z.txt"));
    expect(await syncMedia("blog", media, ctx)).toMatchObject({ deleted: 1 });
    const target = join(ctx.paths.home, "restored");
    expect(await restoreMedia("blog", target, ctx, { stateFile: join(ctx.paths.home, "restored-state.json") })).toEqual(
      {
        files: 1,
        bytes: 3,
        downloaded: 1,
      },
    );
    expect(await treeHashes(target)).toEqual(await treeHashes(media));
  });
});
