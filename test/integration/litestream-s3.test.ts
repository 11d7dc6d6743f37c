import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, closedPort, listKeys, newBucket } from "../helpers/s3.js";
import { countRows, createDb, sql } from "../helpers/sqlite.js";
import { waitFor } from "../helpers/wait.js";
import { litestreamBinary } from "../../src/litestream/binary.js";
import { replicateArgs, restoreArgs } from "../../src/litestream/args.js";
import { litestreamEnv } from "../../src/s3/credentials.js";
import { parseHostConfig } from "../../src/config/host.js";
import { createReplicaStore } from "../../src/s3/store.js";
import { replicaState } from "../../src/s3/replica-state.js";

const binary = litestreamBinary(undefined, {});
const secret = TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY;
const children: ResultPromise[] = [];
let home: string;
let endpoint: string;
let bucket: string;
let client: Awaited<ReturnType<typeof newBucket>>["client"];
let initStderr = "";

beforeAll(async () => {
  ({ endpoint, bucket, client } = await newBucket());
  home = join(await tempDir(), "home");
  const init = await runCli(
    home,
    [
      "--log-level",
      "debug",
      "init",
      "--replica-url",
      `s3://${bucket}/hosts/a`,
      "--s3-endpoint",
      endpoint,
      "--s3-force-path-style",
    ],
    { env: TEST_CREDENTIALS },
  );
  expect(init.exitCode, init.stderr).toBe(0);
  initStderr = init.stderr;
  const add = await runCli(home, [
    "--log-level",
    "debug",
    "app",
    "add",
    "blog",
    "--repo",
    "/r",
    "--port",
    "8001",
    "--db",
    "db.sqlite3",
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
  initStderr += add.stderr;
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.allSettled(children);
  await cleanupTempDirs();
});

describe("generated Litestream config against the real binary and a loopback S3", () => {
  it("replicates a WAL database and restores the same rows", async () => {
    const db = join(home, "apps", "blog", "data", "db.sqlite3");
    await createDb(db, 250);
    const config = join(home, "run", "litestream", "blog.yml");
    const credentials = parseHostConfig(await readFile(join(home, "hostctl.yml"), "utf8"), "hostctl.yml");
    expect(credentials.replica.s3.credentials_file).toBe(join(home, "s3-credentials"));
    const child = execa(binary, replicateArgs(config), {
      env: litestreamEnv({ accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: secret }),
      extendEnv: false,
      reject: false,
      all: true,
    });
    children.push(child);
    await waitFor("a WAL segment in S3", async () =>
      (await listKeys(client, bucket, "hosts/a/blog/db.sqlite3/generations/")).some((k) => k.includes("/wal/")),
    );
    await sql(db, "INSERT INTO items(body) SELECT 'more ' || value FROM generate_series(1, 50);");

    const cmdline = await readFile(`/proc/${child.pid}/cmdline`, "utf8");
    expect(cmdline).not.toContain(secret);
    expect(cmdline.split("\0")).toContain("-no-expand-env");

    const out = join(await tempDir(), "restored.sqlite3");
    await waitFor(
      "the 300 rows to be restorable",
      async () => {
        await execa(binary, restoreArgs({ configPath: config, dbPath: db, outputPath: `${out}.try` }), {
          env: litestreamEnv({ accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: secret }),
          extendEnv: false,
        });
        const n = await countRows(`${out}.try`);
        await execa("rm", [
          "-f",
          `${out}.try`,
          `${out}.try-wal`,
          `${out}.try-shm`,
          `${out}.try.tmp-wal`,
          `${out}.try.tmp-shm`,
        ]);
        return n === 300;
      },
      20_000,
      500,
    );
    child.kill("SIGTERM");
    await child;
  });

  it("keeps the S3 secret out of every generated file and every log line, and writes them 0600", async () => {
    const generated = join(home, "run", "litestream", "blog.yml");
    expect((await stat(generated)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "s3-credentials"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "apps", "blog", "env"))).mode & 0o777).toBe(0o600);
    for (const file of await readdir(home, { recursive: true })) {
      const path = join(home, String(file));
      if (path === join(home, "s3-credentials") || !(await stat(path)).isFile() || path.includes("/data/")) continue;
      expect(await readFile(path, "utf8"), path).not.toContain(secret);
    }
    expect(initStderr).toContain("host.initialised");
    expect(initStderr).not.toContain(secret);
  });
});

describe("replicaState", () => {
  it("answers exists for a replicated database and empty for one never replicated", async () => {
    const host = parseHostConfig(await readFile(join(home, "hostctl.yml"), "utf8"), "hostctl.yml");
    const store = createReplicaStore(host, { accessKeyId: "k", secretAccessKey: secret });
    await waitFor("replica", async () => (await replicaState(store, "blog", "db.sqlite3")).state === "exists");
    expect(await replicaState(store, "blog", "db.sqlite3")).toEqual({ state: "exists" });
    expect(await replicaState(store, "other", "db.sqlite3")).toEqual({ state: "empty" });
    store.close();
  });

  it("answers unreachable, not empty, when S3 is down", async () => {
    const port = await closedPort();
    const host = parseHostConfig(
      `replica:\n  url: s3://${bucket}/hosts/a\n  s3:\n    endpoint: http://127.0.0.1:${port}\n    force_path_style: true\n`,
      "hostctl.yml",
    );
    const store = createReplicaStore(host, { accessKeyId: "k", secretAccessKey: secret });
    const state = await replicaState(store, "blog", "db.sqlite3");
    expect(state.state).toBe("unreachable");
    if (state.state === "unreachable") {
      expect(state.error.code).toBe("REPLICA_UNREACHABLE");
      expect(state.error.message).not.toContain(secret);
    }
    store.close();
  });

  it("answers unreachable with a named bucket-missing error for a bucket that does not exist", async () => {
    const host = parseHostConfig(
      `replica:\n  url: s3://no-such-bucket-x/p\n  s3:\n    endpoint: ${endpoint}\n    force_path_style: true\n`,
      "hostctl.yml",
    );
    const store = createReplicaStore(host, { accessKeyId: "k", secretAccessKey: secret });
    const state = await replicaState(store, "blog", "db.sqlite3");
    expect(state.state === "unreachable" && state.error.code).toBe("REPLICA_BUCKET_MISSING");
    store.close();
  });

  it("answers unreachable with a named credentials error when no credentials exist", async () => {
    const host = parseHostConfig(
      `replica:\n  url: s3://${bucket}/hosts/a\n  s3:\n    endpoint: ${endpoint}\n    force_path_style: true\n    credentials_file: /nonexistent/creds\n`,
      "hostctl.yml",
    );
    const { readS3Credentials } = await import("../../src/s3/credentials.js");
    await expect(readS3Credentials(host, {})).rejects.toMatchObject({ code: "REPLICA_CREDENTIALS" });
  });
});
