import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseHostConfig } from "../../../src/config/host.js";
import { parseAppSpec, validateAppSpec } from "../../../src/config/app.js";
import { checkAppRules } from "../../../src/config/rules.js";
import { messageOf } from "../../helpers/config-error.js";

const fixture = (name: string) => readFile(new URL(`../../fixtures/configs/${name}`, import.meta.url), "utf8");

const unknownKey = await fixture("unknown-key.yml");
const malformed = await fixture("malformed.yml");
const badPort = await fixture("bad-port.app.yml");
const dbInMedia = await fixture("db-in-media.app.yml");
const host = parseHostConfig("replica:\n  url: s3://bucket/prefix\n", "hostctl.yml");
const base = { name: "blog", repo: "/srv/blog.git", port: 8001, databases: [{ path: "db.sqlite3" }] };

describe("host config", () => {
  it("fills defaults for everything but the replica URL", () => {
    expect(host.litestream.sync_interval).toBe("1s");
    expect(host.replica.s3.region).toBe("us-east-1");
    expect(host.drills.max_lag).toBe("60s");
  });

  it("names the file, line and key path of an unknown key", () => {
    expect(messageOf(() => parseHostConfig(unknownKey, "hostctl.yml"))).toBe(
      "hostctl.yml:5:5 replica.s3.endpiont: unknown key",
    );
  });

  it("names the line of a YAML syntax error", () => {
    expect(messageOf(() => parseHostConfig(malformed, "hostctl.yml"))).toMatch(
      /^hostctl\.yml:2:\d+ YAML syntax error: /,
    );
  });

  it("rejects a replica URL with an unknown scheme", () => {
    expect(messageOf(() => parseHostConfig("replica:\n  url: gs://bucket/x\n", "hostctl.yml"))).toBe(
      'hostctl.yml:2:8 replica.url: expected s3://BUCKET/PREFIX or file:///DIR, got "gs://bucket/x"',
    );
  });

  it("rejects a metrics address that is not loopback", () => {
    expect(
      messageOf(() => parseHostConfig("replica:\n  url: s3://b/p\nmetrics:\n  listen: ':9090'\n", "hostctl.yml")),
    ).toContain("metrics.listen: expected 127.0.0.1:PORT");
  });
});

describe("app spec", () => {
  it("reports a non-numeric port with its line", () => {
    expect(messageOf(() => parseAppSpec(badPort, "apps/blog/app.yml"))).toBe(
      'apps/blog/app.yml:3:7 port: expected number, got "80a"',
    );
  });

  it.each([
    ["../x", "name"],
    ["Blog", "name"],
    ["a b", "name"],
    ["", "name"],
    ["a".repeat(41), "name"],
  ])("rejects the app name %j", (name, path) => {
    expect(messageOf(() => validateAppSpec({ ...base, name }, "app.yml"))).toContain(
      `app.yml ${path}: expected a lowercase letter`,
    );
  });

  it.each([[80], [70000]])("rejects port %d outside 1024-65535", (port) => {
    expect(messageOf(() => validateAppSpec({ ...base, port }, "app.yml"))).toMatch(/port: .*(1024|65535).*got \d+/);
  });

  it.each([
    ["/abs/db.sqlite3", "absolute"],
    ["../db.sqlite3", "'..'"],
    ["data/../../db", "'..'"],
  ])("rejects the database path %s", (path, why) => {
    expect(messageOf(() => validateAppSpec({ ...base, databases: [{ path }] }, "app.yml"))).toContain(why);
  });

  it("refuses a database inside media/ (public through the front door), naming its line", () => {
    expect(messageOf(() => parseAppSpec(dbInMedia, "apps/site/app.yml"))).toBe(
      'apps/site/app.yml:6:11 databases[1].path: expected a path outside media/ (the front door serves media/ to anyone), got "media/leak.db"',
    );
  });

  it.each([["./media/x.sqlite3"], ["media/a/b.db"], ["media"]])(
    "refuses the database path %s inside media/",
    (path) => {
      expect(messageOf(() => validateAppSpec({ ...base, databases: [{ path }] }, "app.yml"))).toContain(
        "expected a path outside media/",
      );
    },
  );

  it("accepts a database in a folder whose name only starts like media", () => {
    expect(
      validateAppSpec({ ...base, databases: [{ path: "media-db/x.sqlite3" }] }, "app.yml").databases[0]?.path,
    ).toBe("media-db/x.sqlite3");
  });

  it.each([
    ["x.db-wal", 'expected a database file, not the wal file SQLite keeps beside "x.db", got "x.db-wal"'],
    [
      "db/x.sqlite3-SHM",
      'expected a database file, not the shm file SQLite keeps beside "x.sqlite3", got "db/x.sqlite3-SHM"',
    ],
    ["x.db-journal", 'expected a database file, not the journal file SQLite keeps beside "x.db", got "x.db-journal"'],
    [
      ".x.db-litestream/generation",
      'expected a database file, not a path inside the folder Litestream keeps beside a database, got ".x.db-litestream/generation"',
    ],
  ])("refuses the SQLite side file %s as a database", (path, message) => {
    expect(messageOf(() => validateAppSpec({ ...base, databases: [{ path }] }, "app.yml"))).toBe(
      `app.yml databases[0].path: ${message}`,
    );
  });

  it("rejects an invalid cron schedule", () => {
    expect(messageOf(() => validateAppSpec({ ...base, drill: { schedule: "61 * * * *" } }, "app.yml"))).toBe(
      'app.yml drill.schedule: expected a cron expression such as "17 3 * * *", got "61 * * * *"',
    );
  });

  it("rejects a malformed duration", () => {
    expect(messageOf(() => validateAppSpec({ ...base, deploy: { poll: "10 minutes" } }, "app.yml"))).toBe(
      'app.yml deploy.poll: expected a duration above zero such as 500ms, 1s, 5m, 24h or 7d, got "10 minutes"',
    );
  });

  it("rejects an unknown key", () => {
    expect(messageOf(() => validateAppSpec({ ...base, prot: 1 }, "app.yml"))).toBe("app.yml prot: unknown key");
  });

  it("rejects a port already used by another app", () => {
    const spec = validateAppSpec(base, "app.yml");
    const other = validateAppSpec({ ...base, name: "shop" }, "app.yml");
    expect(messageOf(() => checkAppRules(spec, [other], host, "app.yml"))).toBe(
      'app.yml port: port 8001 is already used by app "shop"',
    );
  });

  it("rejects two databases with the same file name (one replica path each)", () => {
    expect(
      messageOf(() =>
        validateAppSpec({ ...base, databases: [{ path: "a/db.sqlite3" }, { path: "b/db.sqlite3" }] }, "app.yml"),
      ),
    ).toContain("databases[1].path");
  });

  it("rejects two databases whose file names differ only in case", () => {
    expect(
      messageOf(() =>
        validateAppSpec({ ...base, databases: [{ path: "DB.sqlite3" }, { path: "db.sqlite3" }] }, "app.yml"),
      ),
    ).toBe(
      'app.yml databases[1].path: file name "db.sqlite3" is already used by databases[0] (names differing only in case count as one); each database needs its own replica path, got "db.sqlite3"',
    );
  });
});
