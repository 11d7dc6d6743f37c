#!/usr/bin/env node
// Restore drill vs the raw steps it wraps (`litestream restore -o` + `sqlite3 … 'PRAGMA integrity_check'`),
// alternated on the same replica, for a 10 MB and a 100 MB database on a loopback S3 (fauxqs).
// Records per size (bench/figures.mjs): drill vs raw (target ≤ 1.10) and the drill's RTO.
// Usage: npm run build && node bench/drill.bench.mjs [--sizes 10,100] [--rounds 5]
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { parseDocument } from "yaml";
import { startFauxqs } from "fauxqs";
import { S3Client, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { requireApp } from "../dist/apps/registry.js";
import { touchCanary } from "../dist/drills/canary.js";
import { runDrill } from "../dist/drills/run.js";
import { createRunner } from "../dist/lib/exec.js";
import { createLogger } from "../dist/lib/log.js";
import { litestreamBinary } from "../dist/litestream/binary.js";
import { replicateArgs, restoreArgs } from "../dist/litestream/args.js";
import { litestreamEnv } from "../dist/s3/credentials.js";
import { freePort } from "../dist/lib/net.js";
import { QUICK, record, rounds as benchRounds } from "./figures.mjs";
import { hostContext } from "./lib.mjs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: QUICK ? "10" : "10,100" },
    rounds: { type: "string", default: String(benchRounds(7, 3)) },
  },
});
const sizes = values.sizes.split(",").map(Number);
const rounds = Number(values.rounds);
const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
const creds = { AWS_ACCESS_KEY_ID: "bench-key", AWS_SECRET_ACCESS_KEY: "bench-secret" };
const credentials = { accessKeyId: creds.AWS_ACCESS_KEY_ID, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY };
const binary = litestreamBinary(undefined, {});
const log = createLogger("silent");
const run = createRunner(log);

const time = async (fn) => {
  const t = performance.now();
  const out = await fn();
  return { ms: performance.now() - t, out };
};
const cli = (home, args) => execa(process.execPath, [CLI, "--home", home, ...args], { env: creds });

async function setupHost(endpoint, bucket, sizeMb) {
  const home = await mkdtemp(join(tmpdir(), `drill-bench-${sizeMb}mb-`));
  await cli(home, [
    "init",
    "--replica-url",
    `s3://${bucket}/bench${sizeMb}`,
    "--s3-endpoint",
    endpoint,
    "--s3-force-path-style",
  ]);
  const file = join(home, "hostctl.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.setIn(["litestream", "metrics_port_base"], await freePort());
  await writeFile(file, doc.toString());
  await cli(home, [
    "app",
    "add",
    "bench",
    "--repo",
    "/nonexistent",
    "--kind",
    "generic",
    "--port",
    "8001",
    "--db",
    "db.sqlite3",
  ]);
  const db = join(home, "apps", "bench", "data", "db.sqlite3");
  // ~1 KB rows of mostly repetitive text plus an index: a database of about sizeMb MB. The rows are this
  // compressible on purpose: fauxqs 1.9 rejects Litestream's multipart uploads (Go's encoding/xml writes the
  // part ETags' quotes as &#34;, which fauxqs does not unescape), so the lz4 snapshot must fit in one 5 MiB part.
  const rows = Math.round((sizeMb * 1024 * 1024) / 1100);
  await execa("sqlite3", [db], {
    input: `PRAGMA journal_mode=WAL;
    CREATE TABLE items(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, body TEXT, created TEXT);
    INSERT INTO items(title, body, created) SELECT 'item ' || value, hex(randomblob(6)) || printf('%.900c', 'x'), '2024-01-01' FROM generate_series(1, ${rows});
    CREATE INDEX items_title ON items(title);
    PRAGMA wal_checkpoint(TRUNCATE);`,
  });
  await touchCanary(run, db, new Date());
  return { home, db };
}

async function replicate(home, client, bucket, sizeMb) {
  const child = execa(binary, replicateArgs(join(home, "run", "litestream", "bench.yml")), {
    env: litestreamEnv(credentials),
    extendEnv: false,
    reject: false,
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `bench${sizeMb}/` }));
    const keys = (out.Contents ?? []).map((c) => c.Key ?? "");
    if (keys.some((k) => k.endsWith(".snapshot.lz4")) && keys.some((k) => k.includes("/wal/"))) break;
    if (Date.now() > deadline) throw new Error("replication did not finish in 120 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1500));
  child.kill("SIGTERM");
  await child;
}

async function rawSteps(home, db) {
  const scratch = await mkdtemp(join(tmpdir(), "raw-restore-"));
  try {
    const out = join(scratch, "restored.sqlite3");
    await execa(
      binary,
      restoreArgs({ configPath: join(home, "run", "litestream", "bench.yml"), dbPath: db, outputPath: out }),
      {
        env: litestreamEnv(credentials),
        extendEnv: false,
      },
    );
    const { stdout } = await execa("sqlite3", [out, "PRAGMA integrity_check"]);
    if (stdout.trim() !== "ok") throw new Error(`integrity_check: ${stdout}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const s3 = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
const endpoint = `http://127.0.0.1:${s3.port}`;
const bucket = "drill-bench";
s3.createBucket(bucket);
const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
const homes = [];
try {
  console.log(`drill vs raw restore+integrity_check, ${rounds} alternated rounds per size (fauxqs on ${endpoint})`);
  for (const sizeMb of sizes) {
    const { home, db } = await setupHost(endpoint, bucket, sizeMb);
    homes.push(home);
    await replicate(home, client, bucket, sizeMb);
    const ctx = await hostContext(home, creds);
    const spec = await requireApp(ctx.paths, "bench");
    const drillMs = [],
      rawMs = [],
      rtoMs = [];
    await rawSteps(home, db); // warm the page cache and S3 once, unmeasured
    for (let i = 0; i < rounds; i++) {
      const first = i % 2 === 0;
      for (const which of first ? ["drill", "raw"] : ["raw", "drill"]) {
        if (which === "raw") rawMs.push((await time(() => rawSteps(home, db))).ms);
        else {
          const { ms, out } = await time(() => runDrill(spec, ctx));
          if (!out.ok) throw new Error(`drill failed: ${out.reason}`);
          drillMs.push(ms);
          rtoMs.push(out.databases[0].restore_ms);
        }
      }
    }
    ctx.store.close();
    const bytes = (await execa("stat", ["-c", "%s", db])).stdout.trim();
    record({
      bench: "drill",
      figure: `drill, ${sizeMb} MB (${(Number(bytes) / 1048576).toFixed(1)} MiB), fauxqs S3`,
      ours: drillMs,
      raw: rawMs,
      rawLabel: "restore + `integrity_check`",
      target: 1.1,
    });
    record({ bench: "drill", figure: `drill's RTO (restore), ${sizeMb} MB`, ours: rtoMs, kind: "info" });
  }
} finally {
  client.destroy();
  await s3.stop();
  await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
}
