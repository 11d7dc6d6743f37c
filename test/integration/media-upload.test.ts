import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { sql } from "../helpers/sqlite.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys, newBucket, startPrivateS3 } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addDjangoApp, freePort, httpGet, waitAnswering } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import {
  appsRunning,
  hostStatus,
  killAllSupervisors,
  killHost,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";

const env = TEST_CREDENTIALS;
let s3: Awaited<ReturnType<typeof newBucket>>;
let repo: TestRepo;

interface MediaStatus {
  files: number;
  pending: number;
  lag_s: number;
  watching: boolean;
}
const mediaOf = async (home: string) => (await hostStatus(home)).apps[0]?.media as MediaStatus | undefined;

const lastModified = async (key: string) =>
  (await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).LastModified;

beforeAll(async () => {
  s3 = await newBucket();
  repo = await gitRepo({ fixture: join(FIXTURES, "django-app") });
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

async function newHost(prefix: string, port: number, name: string): Promise<string> {
  const home = join(await tempDir(), name);
  const init = await runCli(
    home,
    ["init", "--replica-url", `s3://${s3.bucket}/${prefix}`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
    { env },
  );
  expect(init.exitCode, init.stderr).toBe(0);
  if (name === "host-a") {
    const add = await addDjangoApp(home, "blog", repo.dir, port);
    expect(add.exitCode, add.stderr).toBe(0);
  }
  return home;
}

describe("uploads as safe as rows", () => {
  it("a file uploaded 3 s before the host is SIGKILLed is served by a fresh host on the same replica", async () => {
    const port = await freePort();
    const hostA = await newHost("killed", port, "host-a");
    const a = await startSupervisor(hostA, env);
    await waitForSocket(hostA);
    await waitFor("blog running", () => appsRunning(hostA, 1), 90_000);
    await waitAnswering(port);
    await waitFor("media watched", async () => (await mediaOf(hostA))?.watching === true, 10_000);

    const photo = randomBytes(300_000);
    expect((await fetch(`http://127.0.0.1:${port}/media?name=photo.jpg`, { method: "POST", body: photo })).status).toBe(
      201,
    );
    // The scenario itself, not a wait for a condition: the host dies 3 s after the upload, whatever it has done.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await killHost(hostA, a);
    await rm(hostA, { recursive: true, force: true });
    const shippedAt = await lastModified("killed/_hostctl/media/blog/photo.jpg");

    const hostB = await newHost("killed", port, "host-b");
    const b = await startSupervisor(hostB, env, join(await tempDir(), "b.log"), ["--takeover"]);
    await waitForSocket(hostB);
    await waitFor("blog recovered and running", () => appsRunning(hostB, 1), 120_000);
    await waitAnswering(port);
    const served = await fetch(`http://127.0.0.1:${port}/media/photo.jpg`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(photo)).toBe(true);
    // The restored file is known as shipped: the new host's shipper does not upload it back.
    await waitFor("host B's first media scan", async () => (await mediaOf(hostB))?.files === 1, 20_000);
    expect(await lastModified("killed/_hostctl/media/blog/photo.jpg")).toEqual(shippedAt);
    expect(await b.stop("SIGTERM")).toBe(0);
  });

  // The cases below each have their own hosts, prefix and port, and mostly wait: they run side by side. The
  // one above stays alone, since the 3 s before its SIGKILL is the scenario itself.
  it.concurrent(
    "a fresh host logs, once and with its path, a file its restored database references that the replica lacks",
    async () => {
      const variant = (name: string) => readFile(join(FIXTURES, "django-variants", name), "utf8");
      const withFiles = await gitRepo({ fixture: join(FIXTURES, "django-app") });
      await withFiles.commit("attachments", {
        "notes/models.py": await variant("models_attachment.py"),
        "notes/migrations/0002_attachment.py": await variant("0002_attachment.py"),
      });
      const port = await freePort();
      const hostA = join(await tempDir(), "host-a");
      expect(
        (
          await runCli(
            hostA,
            ["init", "--replica-url", `s3://${s3.bucket}/refs`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
            {
              env,
            },
          )
        ).exitCode,
      ).toBe(0);
      expect((await addDjangoApp(hostA, "blog", withFiles.dir, port)).exitCode).toBe(0);
      const a = await startSupervisor(hostA, env);
      await waitForSocket(hostA);
      await waitFor("blog running", () => appsRunning(hostA, 1), 90_000);
      expect(
        (await fetch(`http://127.0.0.1:${port}/media?name=present.pdf`, { method: "POST", body: "here" })).status,
      ).toBe(201);
      await sql(
        join(hostA, "apps", "blog", "data", "db.sqlite3"),
        "INSERT INTO notes_attachment(file) VALUES ('present.pdf'), ('uploads/never uploaded.pdf');",
      );
      expect(await a.stop("SIGTERM")).toBe(0); // graceful: Litestream ships the rows, the last media round the file

      const hostB = await newHost("refs", port, "host-b");
      const b = await startSupervisor(hostB, env);
      await waitForSocket(hostB);
      await waitFor("blog recovered and running", () => appsRunning(hostB, 1), 120_000);
      const log = await waitFor(
        "the references checked",
        async () => ((await b.log()).includes("media.references_checked") ? b.log() : undefined),
        20_000,
      );
      const missing = log
        .split("\n")
        .filter((line) => line.includes('"media.missing_reference"'))
        .map((line) => JSON.parse(line) as { path: string; field: string });
      expect(missing).toEqual([
        expect.objectContaining({ path: "uploads/never uploaded.pdf", field: "notes.Attachment.file" }),
      ]);
      expect(await b.stop("SIGTERM")).toBe(0);
    },
  );

  it.concurrent(
    "the deploy guard refuses while media lag is over max_lag (replica down), like database lag",
    async () => {
      const s3Down = await startPrivateS3();
      s3Down.createBucket("down");
      try {
        const port = await freePort();
        const home = join(await tempDir(), "guard");
        expect(
          (
            await runCli(
              home,
              ["init", "--replica-url", "s3://down/guard", "--s3-endpoint", s3Down.endpoint, "--s3-force-path-style"],
              {
                env,
              },
            )
          ).exitCode,
        ).toBe(0);
        // No database: Litestream's own lag cannot be what refuses.
        const generic = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
        expect(
          (
            await runCli(home, [
              "app",
              "add",
              "gen",
              "--kind",
              "generic",
              "--repo",
              generic.dir,
              "--port",
              String(port),
              "--max-lag",
              "2s",
            ])
          ).exitCode,
        ).toBe(0);
        const sup = await startSupervisor(home, env);
        await waitForSocket(home);
        await waitFor("gen running", () => appsRunning(home, 1), 60_000);
        await waitFor("media watched", async () => (await mediaOf(home))?.watching === true, 10_000);
        await s3Down.stop();
        await writeFile(join(home, "apps", "gen", "data", "media", "upload.bin"), "cannot leave the host");
        await waitFor("media lag over 2 s", async () => ((await mediaOf(home))?.lag_s ?? 0) > 2, 20_000);
        const refused = await runCli(home, ["deploy", "gen"], { env });
        expect(refused.exitCode).toBe(1);
        expect(refused.stderr).toMatch(
          /error\[DEPLOY_REFUSED\]: not deploying gen: media of gen are \d+s behind: the oldest change is not in the replica yet .*\(limit 2s\)/,
        );
        await killHost(home, sup);
      } finally {
        await s3Down.stop().catch(() => undefined);
      }
    },
  );

  it.concurrent(
    "a burst of 500 small files and one of 50 MiB is all shipped, media lag returns to about zero, supervisor memory stays bounded",
    async () => {
      const port = await freePort();
      const home = await newHost("burst", port, "host-a");
      const sup = await startSupervisor(home, env);
      await waitForSocket(home);
      await waitFor("blog running", () => appsRunning(home, 1), 90_000);
      await waitFor("media watched", async () => (await mediaOf(home))?.watching === true, 10_000);
      const before = (await hostStatus(home)).supervisor.rss_mb;

      const media = join(home, "apps", "blog", "data", "media");
      for (let dir = 0; dir < 10; dir++) {
        await mkdir(join(media, "burst", `d${dir}`), { recursive: true });
        for (let i = 0; i < 50; i++)
          await writeFile(join(media, "burst", `d${dir}`, `f${i}.txt`), `file ${dir}/${i} `.repeat(20));
      }
      await writeFile(join(media, "video.mp4"), randomBytes(50 * 1024 * 1024));

      let peak = before;
      let sawLag = 0;
      const base = "burst/_hostctl/media/blog/";
      await waitFor(
        "501 files in the replica and media lag back to about zero",
        async () => {
          const status = await hostStatus(home);
          peak = Math.max(peak, status.supervisor.rss_mb);
          const m = status.apps[0]?.media as MediaStatus;
          sawLag = Math.max(sawLag, m.lag_s);
          return m.pending === 0 && m.lag_s === 0 && (await listKeys(s3.client, s3.bucket, base)).length === 501;
        },
        60_000,
        250,
      );
      expect(sawLag).toBeGreaterThan(0); // the burst was seen as lag while it was being shipped
      expect((await mediaOf(home))?.files).toBe(501);
      // Uploads stream from disk: 4 at once, 8 MiB parts for the large file; never the whole 50 MiB or the burst in memory.
      expect(peak - before).toBeLessThan(80);
      expect((await httpGet(port, "/")).status).toBe(200);
      expect(await sup.stop("SIGTERM")).toBe(0);
    },
  );
});
