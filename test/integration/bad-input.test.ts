import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

// Issue 14 item 9: input that was accepted (and broke later) is refused up front: exit 2, naming the key or flag.
let home: string;
let hostYml: string;
let original: string;

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    out.push(join(entry.parentPath, entry.name).slice(dir.length));
  return out.sort();
}

const ALIAS_BOMB = [
  "a: &a [x, x, x, x, x, x, x, x, x]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "",
].join("\n");

beforeAll(async () => {
  home = join(await tempDir(), "home");
  hostYml = join(home, "hostctl.yml");
  expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
    0,
  );
  expect(
    (await runCli(home, ["app", "add", "blog", "--repo", "/srv/blog.git", "--port", "8001", "--db", "db.sqlite3"]))
      .exitCode,
  ).toBe(0);
  original = await readFile(hostYml, "utf8");
});

afterAll(cleanupTempDirs);

describe("bad flags exit 2 naming the flag, and write nothing", () => {
  const add = (...extra: string[]) => ["app", "add", "shop", "--repo", "r", "--port", "8002", ...extra];
  it.each([
    [add("--poll", "0s"), "argument --poll: expected a duration above zero"],
    [add("--max-lag", "0ms"), "argument --max-lag: expected a duration above zero"],
    [add("--db", "."), "argument --db: expected the path of a database file"],
    [add("--db", "data/"), "argument --db: expected the path of a database file"],
    [add("--db", "db\nx.sqlite3"), "argument --db: expected the path of a database file"],
    [
      add("--db", "media/leak.db"),
      "argument --db: expected a path outside media/ (the front door serves media/ to anyone)",
    ],
    [
      add("--db", "x.db", "--db", "x.db-wal"),
      'argument --db: expected a database file, not the wal file SQLite keeps beside "x.db"',
    ],
    [
      add("--db", ".x.db-litestream/generation"),
      "argument --db: expected a database file, not a path inside the folder Litestream",
    ],
    [
      add("--db", "DB.sqlite3", "--db", "db.sqlite3"),
      'file name "db.sqlite3" is already used by databases[0] (names differing only in case',
    ],
    [add("--domain", "*.example.com"), "argument --domain: expected a lowercase host name"],
    [add("--domain", "example.com evil.com"), "argument --domain: expected a lowercase host name"],
    [add("--domain", "example.com\r\nX-Injected: 1"), "argument --domain: expected a lowercase host name"],
    [add("--healthcheck-path", "/health check"), "argument --healthcheck-path: expected a URL path"],
    [add("--healthcheck-path", "/h\r\nHost: evil"), "argument --healthcheck-path: expected a URL path"],
    [
      ["app", "rename-db", "blog", "nope.sqlite3", "x.sqlite3"],
      'argument OLD "nope.sqlite3": blog has no database "nope.sqlite3"',
    ],
    [["app", "rename-db", "blog", "db.sqlite3", "media/x.db"], "databases[0].path: expected a path outside media/"],
    [["logs", "blog", "-n", ""], 'argument --lines "": expected a whole number'],
    [["logs", "blog", "-n", "0x10"], 'argument --lines "0x10": expected a whole number'],
    [["logs", "blog", "-n", "1e3"], 'argument --lines "1e3": expected a whole number'],
    [["restore", "blog", "--timestamp", "1"], 'argument --timestamp "1": expected an RFC 3339 time'],
    [["restore", "blog", "--timestamp", "yesterday 3pm"], "argument --timestamp"],
    [["init", "--force", "--replica-url", "file:///"], "argument --replica-url: expected a directory below /"],
    [["init", "--force", "--replica-url", "file:///tmp/../"], "argument --replica-url: expected a directory below /"],
  ])("%j", async (args, message) => {
    const before = await tree(home);
    const result = await runCli(home, args);
    expect(result.stderr).toContain(message);
    expect(result.exitCode).toBe(2);
    expect(await tree(home)).toEqual(before);
    expect(await readFile(hostYml, "utf8")).toBe(original);
  });

  it("a replica inside HOME is refused by init", async () => {
    const result = await runCli(home, ["init", "--force", "--replica-url", `file://${join(home, "replica")}`]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("argument --replica-url: expected a directory outside the host directory");
    expect(await readFile(hostYml, "utf8")).toBe(original);
  });
});

describe("a bad hostctl.yml is reported by every command that reads the host, exit 2 with file and key", () => {
  it.each([
    [
      "litestream:\n  sync_interval: 0s\n",
      /hostctl\.yml:\d+:\d+ litestream\.sync_interval: expected a duration above zero/,
    ],
    ["litestream:\n  retention: 0h\n", /litestream\.retention: expected a duration above zero/],
    ["replica:\n  url: file:///\n", /replica\.url: expected a directory below \//],
    ["REPLICA_IN_HOME", /replica\.url: expected a directory outside the host directory/],
    [ALIAS_BOMB, /hostctl\.yml YAML aliases: Excessive alias count/],
  ])("%j", async (yml, message) => {
    const text = yml === "REPLICA_IN_HOME" ? `replica:\n  url: file://${join(home, "apps", "replica")}\n` : yml;
    await writeFile(hostYml, text);
    try {
      for (const args of [["app", "list"], ["status"], ["app", "add", "shop", "--repo", "r", "--port", "8002"]]) {
        const before = await tree(home);
        const result = await runCli(home, args);
        expect(result.stderr, args.join(" ")).toMatch(message);
        expect(result.stderr).not.toContain("internal error");
        expect(result.exitCode, args.join(" ")).toBe(2);
        expect(await tree(home)).toEqual(before);
      }
    } finally {
      await writeFile(hostYml, original);
    }
  });

  it.each([
    ["media/leak.db", "expected a path outside media/ (the front door serves media/ to anyone)"],
    ["db.sqlite3-wal", 'expected a database file, not the wal file SQLite keeps beside "db.sqlite3"'],
  ])(
    "a database path %s in a hand-edited app.yml is refused by restart, naming file, line and key",
    async (path, message) => {
      const spec = join(home, "apps", "blog", "app.yml");
      const before = await readFile(spec, "utf8");
      await writeFile(spec, before.replace("path: db.sqlite3", `path: ${path}`));
      try {
        const result = await runCli(home, ["restart", "blog"]);
        expect(result.stderr).toMatch(/apps\/blog\/app\.yml:\d+:\d+ databases\[0\]\.path: /);
        expect(result.stderr).toContain(`${message}, got "${path}"`);
        expect(result.exitCode).toBe(2);
      } finally {
        await writeFile(spec, before);
      }
    },
  );

  it("a YAML alias bomb in app.yml is exit 2, not an internal error", async () => {
    const spec = join(home, "apps", "blog", "app.yml");
    const before = await readFile(spec, "utf8");
    await writeFile(spec, ALIAS_BOMB);
    try {
      const result = await runCli(home, ["app", "show", "blog"]);
      expect(result.stderr).toMatch(/app\.yml YAML aliases: Excessive alias count/);
      expect(result.exitCode).toBe(2);
    } finally {
      await writeFile(spec, before);
    }
  });
});
