import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseHostConfig } from "../../../src/config/host.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { litestreamVars, renderLitestreamConfig } from "../../../src/litestream/render.js";
import { parseEngineVersion } from "../../../src/litestream/engine.js";
import { engineV03 } from "../../../src/litestream/engine-v03.js";
import { BUILTIN_TEMPLATE_V05, engineV05 } from "../../../src/litestream/engine-v05.js";
import { litestreamConfigSchemaV05 } from "../../../src/litestream/config-keys.js";
import { ReplicaTxids, ltxLevelPrefix, maxTxid, parseMetricsV05 } from "../../../src/litestream/metrics-v05.js";
import { ConfigError } from "../../../src/lib/errors.js";
import type { DbPositions } from "../../../src/litestream/lag.js";
import type { ReplicaStore } from "../../../src/s3/store.js";

const template05 = await readFile(BUILTIN_TEMPLATE_V05, "utf8");
const spec = validateAppSpec({ name: "blog", repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }] }, "app.yml");
const host = (extra = "") =>
  parseHostConfig(
    `replica:\n  url: s3://backups/site-a/\n  s3:\n    endpoint: http://127.0.0.1:9000\n    force_path_style: true\nlitestream:\n  snapshot_interval: 6h\n${extra}`,
    "hostctl.yml",
  );

function render05(text: string, h = host()): Record<string, unknown> {
  return parse(
    renderLitestreamConfig(
      text,
      "litestream-0.5.yml.tmpl",
      litestreamVars(h, spec, "/srv/apps/blog/data", 9431),
      litestreamConfigSchemaV05,
    ),
  ) as Record<string, unknown>;
}

describe("engine detection", () => {
  it("reads the line from `litestream version`", () => {
    expect(parseEngineVersion("v0.3.13\n")).toEqual({ line: "0.3", version: "v0.3.13" });
    expect(parseEngineVersion("v0.5.14")).toEqual({ line: "0.5", version: "v0.5.14" });
    expect(parseEngineVersion("0.5.2")).toEqual({ line: "0.5", version: "v0.5.2" });
    expect(parseEngineVersion("v0.4.0")).toBeUndefined();
    expect(parseEngineVersion("development build")).toBeUndefined();
  });
});

describe("Litestream 0.5 config", () => {
  it("renders one `replica:` per database, snapshots at the top, and no heartbeat unless configured", () => {
    expect(render05(template05)).toEqual({
      addr: "127.0.0.1:9431",
      dbs: [
        {
          path: "/srv/apps/blog/data/db.sqlite3",
          snapshot: { interval: "6h", retention: "72h" },
          replica: {
            type: "s3",
            bucket: "backups",
            path: "site-a/blog/db.sqlite3",
            endpoint: "http://127.0.0.1:9000",
            region: "us-east-1",
            "force-path-style": true,
            "sync-interval": "1s",
          },
        },
      ],
    });
  });

  it("wires litestream.heartbeat_url to heartbeat-url", () => {
    expect(render05(template05, host("  heartbeat_url: https://hc-ping.com/abc\n"))["heartbeat-url"]).toBe(
      "https://hc-ping.com/abc",
    );
  });

  it("checks the keys 0.5 knows: the 0.3 `replicas:` list, a typo and restore-if-db-not-exists are refused", () => {
    const withReplicas = template05.replace("    replica:\n", "    replicas:\n");
    expect(() => render05(withReplicas)).toThrow(ConfigError);
    expect(() => render05(template05.replace("sync-interval:", "sync-intervall:"))).toThrow(/sync-intervall/);
    expect(() =>
      render05(
        template05.replace(
          '  - path: "{{db.path}}"\n',
          '  - path: "{{db.path}}"\n    restore-if-db-not-exists: true\n',
        ),
      ),
    ).toThrow(/restore-if-db-not-exists: expected one of false/);
  });
});

describe("Litestream 0.5 positions", () => {
  it("reads the local TXID and the sync count from /metrics (captured from v0.5.14)", () => {
    const text = `litestream_db_size{db="/d/db.sqlite"} 16384\nlitestream_sync_count{db="/d/db.sqlite"} 4\nlitestream_txid{db="/d/db.sqlite"} 3\nlitestream_wal_size{db="/d/db.sqlite"} 41232\n`;
    expect(parseMetricsV05(text)).toEqual([
      { db: "/d/db.sqlite", shadow: { index: 3, offset: 0 }, replicas: {}, syncs: 4 },
    ]);
  });

  it("takes the replica's TXID from the highest LTX file name", () => {
    expect(
      maxTxid([
        "p/ltx/0/0000000000000001-0000000000000001.ltx",
        "p/ltx/0/0000000000000002-000000000000001a.ltx",
        "p/ltx/0/junk",
      ]),
    ).toBe(26);
    expect(maxTxid([])).toBe(0);
  });
});

describe("ReplicaTxids", () => {
  const listing = (keys: string[]) => {
    const calls: string[] = [];
    const store = {
      target: { kind: "s3" },
      list: (prefix: string) => (calls.push(prefix), Promise.resolve(keys)),
    } as unknown as ReplicaStore;
    return { store, calls };
  };
  const db = (txid: number): DbPositions[] => [
    { db: "/d/db.sqlite3", shadow: { index: txid, offset: 0 }, replicas: {}, syncs: 1 },
  ];
  const bases = new Map([["/d/db.sqlite3", "p/blog/db.sqlite3"]]);

  it("lists L0 only while the local TXID differs from the replica's last answer", async () => {
    const txids = new ReplicaTxids();
    const { store, calls } = listing(["p/blog/db.sqlite3/0000/0000000000000001-0000000000000005.ltx"]);
    expect((await txids.fill(db(5), store, bases))[0]?.replicas).toEqual({ replica: { index: 5, offset: 0 } });
    await txids.fill(db(5), store, bases);
    expect(calls).toEqual(["p/blog/db.sqlite3/0000/"]);
    await txids.fill(db(6), store, bases);
    expect(calls).toHaveLength(2);
  });

  it("asks again when the local TXID falls below the last answer (a new database), never trusting the old one", async () => {
    const txids = new ReplicaTxids();
    await txids.fill(db(9), listing(["x/0000/0000000000000001-0000000000000009.ltx"]).store, bases);
    const fresh = await txids.fill(db(2), listing(["x/0000/0000000000000001-0000000000000001.ltx"]).store, bases);
    expect(fresh[0]?.replicas).toEqual({ replica: { index: 1, offset: 0 } });
  });
});

describe("replica layout per engine", () => {
  it("0.3 restores generations/ and refuses ltx/ (a 0.5 replica); 0.5 restores both", () => {
    const v03 = engineV03("/bin/ls");
    const v05 = engineV05("/bin/ls", "v0.5.14");
    expect(v03.dataPrefixes("p/blog/db.sqlite3")).toEqual(["p/blog/db.sqlite3/generations/"]);
    expect(v03.unreadablePrefixes("p/blog/db.sqlite3")).toEqual([
      { prefix: "p/blog/db.sqlite3/000", writer: "Litestream 0.5" },
      { prefix: "p/blog/db.sqlite3/ltx/", writer: "Litestream 0.5" },
    ]);
    expect(v05.dataPrefixes("p/blog/db.sqlite3")).toEqual([
      "p/blog/db.sqlite3/000",
      "p/blog/db.sqlite3/ltx/",
      "p/blog/db.sqlite3/generations/",
    ]);
    expect(ltxLevelPrefix("s3", "p/blog/db.sqlite3", 0)).toBe("p/blog/db.sqlite3/0000/");
    expect(ltxLevelPrefix("file", "/r/blog/db.sqlite3", 0)).toBe("/r/blog/db.sqlite3/ltx/0/");
    expect(v05.unreadablePrefixes("p/blog/db.sqlite3")).toEqual([]);
  });

  it("tells a missing backup from other restore failures, as each line words it", () => {
    expect(engineV05("/bin/ls", "v0.5.14").isNoBackup("Error: no matching backup files available")).toBe(true);
    expect(
      engineV05("/bin/ls", "v0.5.14").isNoBackup("Error: get v0.3.x time bounds: s3: list generations: NoSuchBucket"),
    ).toBe(false);
    expect(engineV03("/bin/ls").isNoBackup("no snapshots available")).toBe(true);
  });
});
