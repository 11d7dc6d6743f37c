import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseHostConfig } from "../../../src/config/host.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { litestreamVars, renderLitestreamConfig } from "../../../src/litestream/render.js";
import { replicateArgs, restoreArgs } from "../../../src/litestream/args.js";
import { BUILTIN_TEMPLATE } from "../../../src/litestream/config-files.js";
import { ConfigError } from "../../../src/lib/errors.js";

const template = await readFile(BUILTIN_TEMPLATE, "utf8");
const spec = validateAppSpec(
  { name: "blog", repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }, { path: "search/fts.sqlite3" }] },
  "app.yml",
);
const s3Host = parseHostConfig(
  "replica:\n  url: s3://backups/site-a/\n  s3:\n    endpoint: http://127.0.0.1:9000\n    force_path_style: true\nlitestream:\n  snapshot_interval: 6h\n  retention: 7d\n",
  "hostctl.yml",
);
const fileHost = parseHostConfig("replica:\n  url: file:///mnt/backup\n", "hostctl.yml");

function render(text: string, host = s3Host): Record<string, unknown> {
  return parse(
    renderLitestreamConfig(text, "litestream.yml.tmpl", litestreamVars(host, spec, "/srv/apps/blog/data", 9431)),
  ) as Record<string, unknown>;
}

describe("litestream config rendering", () => {
  it("renders one entry per database with an S3 replica path <prefix>/<app>/<file name>", () => {
    expect(render(template)).toEqual({
      addr: "127.0.0.1:9431",
      dbs: [
        {
          path: "/srv/apps/blog/data/db.sqlite3",
          replicas: [
            {
              name: "s3",
              type: "s3",
              bucket: "backups",
              path: "site-a/blog/db.sqlite3",
              endpoint: "http://127.0.0.1:9000",
              region: "us-east-1",
              "force-path-style": true,
              "sync-interval": "1s",
              "snapshot-interval": "6h",
              retention: "168h",
            },
          ],
        },
        {
          path: "/srv/apps/blog/data/search/fts.sqlite3",
          replicas: [
            {
              name: "s3",
              type: "s3",
              bucket: "backups",
              path: "site-a/blog/fts.sqlite3",
              endpoint: "http://127.0.0.1:9000",
              region: "us-east-1",
              "force-path-style": true,
              "sync-interval": "1s",
              "snapshot-interval": "6h",
              retention: "168h",
            },
          ],
        },
      ],
    });
  });

  it("renders a file replica without the S3 keys", () => {
    const replica = (render(template, fileHost).dbs as { replicas: unknown[] }[])[0]?.replicas[0];
    expect(replica).toEqual({
      name: "file",
      type: "file",
      path: "/mnt/backup/blog/db.sqlite3",
      "sync-interval": "1s",
      "snapshot-interval": "24h",
      retention: "72h",
    });
  });

  it("keeps a $ in a value as it is (Litestream runs with -no-expand-env)", () => {
    const custom = template.replace('meta-path: "{{db.meta_path}}"', 'meta-path: "/srv/meta/$HOME"');
    expect((render(custom).dbs as { "meta-path": string }[])[0]?.["meta-path"]).toBe("/srv/meta/$HOME");
  });

  it("rejects an override template with a key Litestream 0.3.13 does not know", () => {
    const typo = template.replace("sync-interval:", "sync-intervall:");
    expect(() => render(typo)).toThrow(ConfigError);
    expect(() => render(typo)).toThrow(
      /litestream\.yml\.tmpl:\d+:\d+ dbs\[0\]\.replicas\[0\]\.sync-intervall: unknown key/,
    );
  });

  it("rejects a metrics address on every interface", () => {
    expect(() => render(template.replace('addr: "{{metrics_addr}}"', 'addr: ":9090"'))).toThrow(
      /addr: expected 127\.0\.0\.1:PORT/,
    );
  });

  it("rejects credentials written into the template", () => {
    const leaky = template.replace(
      'region: "{{replica.region}}"',
      'region: "{{replica.region}}"\n        secret-access-key: abc123',
    );
    expect(() => render(leaky)).toThrow(/secret-access-key: credentials must not be written/);
    expect(() => render(leaky)).not.toThrow(/abc123/);
  });

  it("rejects an unknown template variable", () => {
    expect(() => render(template.replace("{{replica.region}}", "{{replica.regoin}}"))).toThrow(
      /unknown template variable "\{\{replica\.regoin\}\}"/,
    );
  });
});

describe("litestream argv", () => {
  it("always passes -no-expand-env", () => {
    expect(replicateArgs("/h/run/litestream/blog.yml")).toEqual([
      "replicate",
      "-config",
      "/h/run/litestream/blog.yml",
      "-no-expand-env",
    ]);
    expect(
      restoreArgs({
        configPath: "/c.yml",
        dbPath: "/d/db.sqlite3",
        outputPath: "/s/db",
        timestamp: "2026-01-01T00:00:00Z",
      }),
    ).toEqual([
      "restore",
      "-config",
      "/c.yml",
      "-no-expand-env",
      "-o",
      "/s/db",
      "-timestamp",
      "2026-01-01T00:00:00Z",
      "/d/db.sqlite3",
    ]);
  });
});
