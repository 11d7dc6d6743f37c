import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { parseDocument } from "yaml";
import { expect } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys } from "../helpers/s3.js";
import { freePort } from "../../src/lib/net.js";
import { waitFor } from "../helpers/wait.js";
import { sql } from "../helpers/sqlite.js";
import { litestreamBinary } from "../../src/litestream/binary.js";
import { replicateArgs } from "../../src/litestream/args.js";
import { litestreamEnv } from "../../src/s3/credentials.js";
import { loadHostContext, type HostContext } from "../../src/host/context.js";
import { hostPaths } from "../../src/config/paths.js";
import { systemClock } from "../../src/lib/clock.js";
import { createRunner, type Runner } from "../../src/lib/exec.js";
import { createLogger } from "../../src/lib/log.js";
import { touchCanary } from "../../src/drills/canary.js";

/** Shared setup of the drill integration tests: a host on the loopback S3, apps, their real Litestream. */

export const binary = litestreamBinary(undefined, {});
export const credentials = {
  accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
};
export const run: Runner = createRunner(createLogger("silent"));

const children = new Set<ResultPromise>();

export interface TestHost {
  home: string;
  prefix: string;
}

/** `hostctl init` against `endpoint`, with Litestream metrics on free loopback ports and optional alert targets. */
export async function initHost(
  endpoint: string,
  bucket: string,
  extra: Record<string, unknown> = {},
): Promise<TestHost> {
  const home = join(await tempDir("drill"), "home");
  const prefix = "hosts/a";
  const init = await runCli(
    home,
    ["init", "--replica-url", `s3://${bucket}/${prefix}`, "--s3-endpoint", endpoint, "--s3-force-path-style"],
    { env: TEST_CREDENTIALS },
  );
  expect(init.exitCode, init.stderr).toBe(0);
  const file = join(home, "hostctl.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  for (const [path, value] of Object.entries(extra)) doc.setIn(path.split("."), value);
  await writeFile(file, doc.toString());
  return { home, prefix };
}

/** `hostctl app add` with one database and a free port; the repository is a made-up path unless `flags` name one. */
export async function addApp(host: Pick<TestHost, "home">, name: string, flags: string[] = []): Promise<string> {
  const port = await freePort();
  const repo = flags.includes("--repo") ? [] : ["--repo", "/nonexistent"];
  const add = await runCli(host.home, [
    "app",
    "add",
    name,
    ...repo,
    "--port",
    String(port),
    "--db",
    "db.sqlite3",
    ...flags,
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
  return dbPath(host, name);
}

export function dbPath(host: Pick<TestHost, "home">, app: string): string {
  return join(host.home, "apps", app, "data", "db.sqlite3");
}

/** A WAL database with `rows` rows in items and a canary, as the supervisor would keep it. */
export async function seedDb(db: string, rows: number, extraSql = ""): Promise<void> {
  await sql(
    db,
    `PRAGMA journal_mode=WAL;
    CREATE TABLE items(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT);
    INSERT INTO items(body) SELECT 'row ' || value FROM generate_series(1, ${rows});
    ${extraSql}`,
  );
  await touchCanary(run, db, new Date());
}

export function startLitestream(host: TestHost, app: string): ResultPromise {
  const config = join(host.home, "run", "litestream", `${app}.yml`);
  const child = execa(binary, replicateArgs(config), {
    env: litestreamEnv(credentials),
    extendEnv: false,
    reject: false,
    all: true,
  });
  children.add(child);
  return child;
}

export async function stopLitestream(child: ResultPromise): Promise<void> {
  child.kill("SIGTERM");
  await child;
  children.delete(child);
}

export async function killAllLitestream(): Promise<void> {
  for (const child of children) child.kill("SIGKILL");
  await Promise.allSettled([...children]);
  children.clear();
}

/** Until the replica holds a snapshot and a WAL segment of the app's database. */
export async function waitReplicated(
  client: Parameters<typeof listKeys>[0],
  bucket: string,
  host: TestHost,
  app: string,
): Promise<void> {
  await waitFor(
    `a snapshot and WAL of ${app} in S3`,
    async () => {
      const keys = await listKeys(client, bucket, `${host.prefix}/${app}/db.sqlite3/generations/`);
      return keys.some((k) => k.endsWith(".snapshot.lz4")) && keys.some((k) => k.includes("/wal/"));
    },
    20_000,
    200,
  );
}

export async function hostContext(host: Pick<TestHost, "home">): Promise<HostContext> {
  const log = createLogger("silent");
  return loadHostContext({
    paths: hostPaths(host.home),
    log,
    run: createRunner(log),
    clock: systemClock,
    env: { ...TEST_CREDENTIALS },
  });
}
