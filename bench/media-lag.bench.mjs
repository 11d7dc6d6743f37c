// Media lag vs database lag under `hostctl up`, in the same run: how long after a write the replica (fauxqs on
// loopback) holds it. Media: a file written into the app's media directory until its object exists. Database:
// a row POSTed to the generic fixture until Litestream has uploaded a new WAL segment. Then a burst of 500
// small files and one 50 MiB file: time until all are in the replica and `status` reads media lag 0 again.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { execa } from "execa";
import { CLI, CREDS, cleanup, cli, fixtureRepo, freePort, median, s3, tmp } from "./lib.mjs";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function until(what, check, timeoutMs = 60_000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

try {
  const endpoint = await s3();
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: CREDS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS.AWS_SECRET_ACCESS_KEY },
  });
  const count = async (prefix) => {
    let n = 0;
    let token;
    do {
      const out = await client.send(
        new ListObjectsV2Command({ Bucket: "bench", Prefix: prefix, ContinuationToken: token }),
      );
      n += out.KeyCount ?? 0;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return n;
  };
  const exists = (key) =>
    client.send(new HeadObjectCommand({ Bucket: "bench", Key: key })).then(
      () => true,
      () => false,
    );

  const home = join(tmp("media-lag"), "home");
  const port = await freePort();
  await cli(home, ["init", "--replica-url", "s3://bench/lag", "--s3-endpoint", endpoint, "--s3-force-path-style"]);
  await cli(home, [
    "app",
    "add",
    "gen",
    "--kind",
    "generic",
    "--repo",
    await fixtureRepo("generic-app"),
    "--port",
    String(port),
    "--db",
    "db.sqlite3",
  ]);
  const up = execa(CLI, ["--home", home, "up"], {
    env: CREDS,
    reject: false,
    forceKillAfterDelay: false,
    stdout: "ignore",
    stderr: "ignore",
  });
  const status = async () => JSON.parse((await cli(home, ["status", "--json"])).stdout);
  await until(
    "gen running",
    async () => (await status().catch(() => undefined))?.apps?.[0]?.state === "running",
    90_000,
    250,
  );
  await until("media watched", async () => (await status()).apps[0].media?.watching === true, 20_000, 250);
  const media = join(home, "apps", "gen", "data", "media");
  mkdirSync(join(media, "uploads"), { recursive: true });
  const wal = "lag/gen/db.sqlite3/generations/";
  const post = (body) => fetch(`http://127.0.0.1:${port}/rows`, { method: "POST", body });
  await post("warm-up");
  await sleep(2000);

  const mediaMs = [];
  const dbMs = [];
  for (let i = 0; i < TRIALS; i++) {
    // Media: write, then poll the object.
    let start = performance.now();
    writeFileSync(join(media, "uploads", `one-${i}.jpg`), randomBytes(200_000));
    await until("the upload in the replica", () => exists(`lag/_hostctl/media/gen/uploads/one-${i}.jpg`));
    mediaMs.push(performance.now() - start);
    // Database: one acknowledged row, then poll for a new object under the generation (a WAL segment).
    const before = await count(wal);
    start = performance.now();
    await post(`row ${i}`);
    await until("a new WAL segment in the replica", async () => (await count(wal)) > before);
    dbMs.push(performance.now() - start);
    await sleep(300);
  }
  const fmt = (values) =>
    `median ${(median(values) / 1000).toFixed(2)} s, p99 ${(percentile(values, 99) / 1000).toFixed(2)} s`;
  console.log(`single write → in the replica, ${TRIALS} trials: media ${fmt(mediaMs)} | database ${fmt(dbMs)}`);

  // Burst: 500 small files in 10 directories and one 50 MiB file, with a row written at the same moment.
  const rssBefore = (await status()).supervisor.rss_mb;
  const start = performance.now();
  const beforeRow = await count(wal);
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(media, "burst", `d${d}`), { recursive: true });
    for (let f = 0; f < 50; f++)
      writeFileSync(join(media, "burst", `d${d}`, `f${f}.txt`), `burst file ${d}/${f}\n`.repeat(50));
  }
  writeFileSync(join(media, "burst", "video.mp4"), randomBytes(50 * 1024 * 1024));
  await post("during the burst");
  let rowMs;
  let peakLag = 0;
  let peakRss = 0;
  const allIn = async () => {
    const s = await status();
    peakLag = Math.max(peakLag, s.apps[0].media.lag_s);
    peakRss = Math.max(peakRss, s.supervisor.rss_mb);
    if (rowMs === undefined && (await count(wal)) > beforeRow) rowMs = performance.now() - start;
    return (await count("lag/_hostctl/media/gen/burst/")) === 501 && s.apps[0].media.lag_s === 0 && rowMs !== undefined;
  };
  await until("the burst in the replica", allIn, 120_000, 100);
  const burstMs = performance.now() - start;
  console.log(
    `burst of 500 files + 50 MiB: all in the replica and media lag 0 after ${(burstMs / 1000).toFixed(2)} s (peak media lag read by status ${peakLag.toFixed(1)} s); ` +
      `a row written at the burst's start reached the replica after ${(rowMs / 1000).toFixed(2)} s; supervisor RSS ${rssBefore.toFixed(1)} MB before, peak ${peakRss.toFixed(1)} MB`,
  );
  up.kill("SIGTERM");
  await up;
} finally {
  await cleanup();
}
