import { GetObjectCommand } from "@aws-sdk/client-s3";
import { mkdir, rename, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HostContext } from "../../src/host/context.js";
import { parseHostConfig } from "../../src/config/host.js";
import { hostPaths } from "../../src/config/paths.js";
import { systemClock } from "../../src/lib/clock.js";
import { createRunner } from "../../src/lib/exec.js";
import { createLogger } from "../../src/lib/log.js";
import { MediaShipper } from "../../src/media/shipper.js";
import { createReplicaStore } from "../../src/s3/store.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

const credentials = {
  accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
};
let s3: Awaited<ReturnType<typeof newBucket>>;
const shippers: MediaShipper[] = [];

beforeAll(async () => {
  s3 = await newBucket();
});
afterEach(() => {
  for (const shipper of shippers.splice(0)) shipper.stop();
});
afterAll(cleanupTempDirs);

async function shipperFor(
  prefix: string,
): Promise<{ shipper: MediaShipper; media: string; keys: () => Promise<string[]> }> {
  const home = await tempDir("shipper");
  const host = parseHostConfig(
    `replica:\n  url: s3://${s3.bucket}/${prefix}\n  s3:\n    endpoint: ${s3.endpoint}\n    force_path_style: true\n`,
    "hostctl.yml",
  );
  const log = createLogger("silent");
  const ctx: HostContext = {
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
  const media = join(home, "apps", "blog", "data", "media");
  await mkdir(media, { recursive: true });
  const shipper = new MediaShipper("blog", media, ctx);
  shippers.push(shipper);
  await shipper.scan();
  const base = `${prefix}/_hostctl/media/blog/`;
  const keys = async () => (await listKeys(s3.client, s3.bucket, base)).map((k) => k.slice(base.length)).sort();
  return { shipper, media, keys };
}

async function objectText(key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return out.Body!.transformToString();
}

describe("media shipped on change", () => {
  it("ships a new file within seconds of its last write, with lag counted until it is in the replica", async () => {
    const { shipper, media, keys } = await shipperFor("one");
    const written = Date.now();
    await writeFile(join(media, "photo.jpg"), "image bytes");
    await waitFor("the change noticed", () => shipper.status().pending === 1, 2000, 20);
    expect(shipper.lagSeconds()).toBeGreaterThanOrEqual(0);
    await waitFor("photo.jpg in the replica", async () => (await keys()).includes("photo.jpg"), 5000, 50);
    expect(Date.now() - written).toBeLessThan(3000);
    await waitFor("lag back to 0", () => shipper.status().lag_s === 0 && shipper.status().pending === 0, 2000, 20);
    expect(shipper.status()).toMatchObject({ files: 1, bytes: 11, watching: true });
  });

  it("ships files in a directory created after the watch started, and a file changed in place", async () => {
    const { media, keys } = await shipperFor("nested");
    await mkdir(join(media, "images/2026/11"), { recursive: true });
    await writeFile(join(media, "images/2026/11/a.png"), "a");
    await waitFor("a.png shipped", async () => (await keys()).includes("images/2026/11/a.png"), 5000, 50);
    await writeFile(join(media, "images/2026/11/b.png"), "b");
    await writeFile(join(media, "images/2026/11/a.png"), "a, edited");
    await waitFor("b.png shipped", async () => (await keys()).includes("images/2026/11/b.png"), 5000, 50);
    await waitFor(
      "a.png edited in the replica",
      async () => (await objectText("nested/_hostctl/media/blog/images/2026/11/a.png")) === "a, edited",
      5000,
      50,
    );
  });

  it("moves deleted files aside, a whole removed directory included, as the documented policy says", async () => {
    const { shipper, media, keys } = await shipperFor("deleted");
    await mkdir(join(media, "docs/old"), { recursive: true });
    await writeFile(join(media, "docs/old/a.pdf"), "a");
    await writeFile(join(media, "docs/old/b.pdf"), "b");
    await writeFile(join(media, "keep.txt"), "k");
    await waitFor("three files shipped", async () => (await keys()).length === 3, 5000, 50);
    await rm(join(media, "docs"), { recursive: true });
    await waitFor("docs gone from the live media", async () => (await keys()).join() === "keep.txt", 5000, 50);
    const aside = await listKeys(s3.client, s3.bucket, "deleted/_hostctl/media-deleted/blog/");
    expect(aside.map((k) => k.replace(/^.*\/blog\/[^/]+\//, "")).sort()).toEqual(["docs/old/a.pdf", "docs/old/b.pdf"]);
    await waitFor("lag back to 0", () => shipper.status().pending === 0, 2000, 20);
  });

  it("ships a directory moved in from outside, and the periodic scan finds what no watch reported", async () => {
    const { shipper, media, keys } = await shipperFor("moved");
    const outside = join(media, "..", "staging");
    await mkdir(join(outside, "batch"), { recursive: true });
    await writeFile(join(outside, "batch/x.txt"), "x");
    await rename(join(outside, "batch"), join(media, "batch"));
    await waitFor("batch/x.txt shipped", async () => (await keys()).includes("batch/x.txt"), 5000, 50);
    shipper.stop();
    await writeFile(join(media, "unseen.txt"), "written while nothing watched");
    const settled = new Date(Date.now() - 60_000); // quiet for a minute: settled for the scan
    await utimes(join(media, "unseen.txt"), settled, settled);
    await shipper.scan();
    expect(await keys()).toEqual(["batch/x.txt", "unseen.txt"]);
  });

  it("never follows a directory swapped for a symlink out of the media directory", async () => {
    const { shipper, media, keys } = await shipperFor("swapped");
    const secret = join(media, "..", "secret");
    await mkdir(secret, { recursive: true });
    await writeFile(join(secret, "x.txt"), "secret");
    const old = new Date(Date.now() - 60_000);
    await utimes(join(secret, "x.txt"), old, old);
    await mkdir(join(media, "d"));
    await writeFile(join(media, "d", "x.txt"), "one");
    await waitFor("d/x.txt shipped", async () => (await keys()).includes("d/x.txt"), 5000, 50);
    // The old directory keeps its watch while it is moved out: its next event names d/x.txt, now behind the link.
    await rename(join(media, "d"), join(media, "..", "moved-out"));
    await symlink(secret, join(media, "d"));
    await writeFile(join(media, "..", "moved-out", "x.txt"), "two");
    await waitFor(
      "the swap handled",
      async () => shipper.status().pending === 0 && !(await keys()).includes("d/x.txt"),
      5000,
      50,
    );
    const aside = await listKeys(s3.client, s3.bucket, "swapped/_hostctl/media-deleted/blog/");
    expect(aside).toHaveLength(1);
    expect(await objectText(aside[0]!)).toBe("one");
  });

  it("never uploads hostctl's own temporary files", async () => {
    const { shipper, media, keys } = await shipperFor("temp");
    await writeFile(join(media, ".photo.jpg.0123abcd.tmp"), "half");
    await writeFile(join(media, "real.jpg"), "real");
    await waitFor("real.jpg shipped", async () => (await keys()).includes("real.jpg"), 5000, 50);
    await shipper.scan();
    expect(await keys()).toEqual(["real.jpg"]);
  });

  it("never uploads a database kept in media, its side files or Litestream's folder, by watch or by scan", async () => {
    const { shipper, media, keys } = await shipperFor("databases");
    await mkdir(join(media, ".leak.db-litestream"), { recursive: true });
    for (const name of ["leak.db", "leak.db-wal", "leak.db-shm", "Leak.SQLite3", ".leak.db-litestream/generation"])
      await writeFile(join(media, name), "SQLite format 3");
    await writeFile(join(media, "real.jpg"), "real");
    await waitFor("real.jpg shipped", async () => (await keys()).includes("real.jpg"), 5000, 50);
    await shipper.scan();
    await waitFor("the scan's round done", () => shipper.status().pending === 0, 5000, 20);
    expect(await keys()).toEqual(["real.jpg"]);
    expect(shipper.status()).toMatchObject({ files: 1 });
  });
});
