import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseHostConfig } from "../../../src/config/host.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { hostPaths } from "../../../src/config/paths.js";
import { BUILTIN_LITEFS_TEMPLATE, writeLitefsConfigs } from "../../../src/litefs/config-files.js";
import { litefsPaths } from "../../../src/litefs/paths.js";
import { litefsVars, renderLitefsConfig } from "../../../src/litefs/render.js";
import { litefsAppIssues } from "../../../src/litefs/rules.js";
import { ConfigError } from "../../../src/lib/errors.js";
import { messageOf } from "../../helpers/config-error.js";

const template = await readFile(BUILTIN_LITEFS_TEMPLATE, "utf8");
const spec = validateAppSpec(
  { name: "blog", repo: "/r", port: 8001, replication: "litefs", databases: [{ path: "db.sqlite3" }] },
  "app.yml",
);
const other = validateAppSpec(
  { name: "alpha", repo: "/r", port: 8002, replication: "litefs", databases: [{ path: "db.sqlite3" }] },
  "app.yml",
);
const paths = litefsPaths(hostPaths("/srv/hostctl"), "blog");

const primaryHost = parseHostConfig(
  "replica:\n  url: file:///mnt/backup\nlitefs:\n  node: web-1\n  role: candidate\n  advertise: http://10.0.0.1\n",
  "hostctl.yml",
);
const replicaHost = parseHostConfig(
  "replica:\n  url: file:///mnt/backup\nlitefs:\n  node: web-2\n  role: replica\n  advertise: http://10.0.0.2\n  port_base: 21000\n" +
    "  primary:\n    node: web-1\n    advertise: http://10.0.0.1\n    front_door: http://10.0.0.1\n",
  "hostctl.yml",
);

function render(text: string, host = primaryHost, port = 20202, primaryPort = 20202): Record<string, unknown> {
  if (!host.litefs) throw new Error("test: no litefs section");
  return parse(
    renderLitefsConfig(text, "litefs.yml.tmpl", litefsVars(spec, paths, { litefs: host.litefs, port, primaryPort })),
  ) as Record<string, unknown>;
}

describe("LiteFS config rendering", () => {
  it("renders the primary as the static lease's candidate, advertising itself", () => {
    expect(render(template)).toEqual({
      "exit-on-error": true,
      fuse: { dir: "/srv/hostctl/apps/blog/litefs" },
      data: { dir: "/srv/hostctl/apps/blog/litefs-data" },
      http: { addr: "10.0.0.1:20202" },
      lease: {
        type: "static",
        hostname: "web-1",
        "advertise-url": "http://10.0.0.1:20202",
        candidate: true,
        consul: {},
      },
      log: { format: "text", timestamp: false },
      tracing: { enabled: false },
    });
  });

  it("renders a replica naming the primary and its port, not a candidate", () => {
    const lease = render(template, replicaHost, 21000, 20202).lease as Record<string, unknown>;
    expect(lease).toEqual({
      type: "static",
      hostname: "web-1",
      "advertise-url": "http://10.0.0.1:20202",
      candidate: false,
      consul: {},
    });
    expect((render(template, replicaHost, 21000, 20202).http as Record<string, unknown>).addr).toBe("10.0.0.2:21000");
  });

  it("renders a Consul lease with each node advertising itself and a per-app key", () => {
    const host = parseHostConfig(
      "replica:\n  url: file:///mnt/backup\nlitefs:\n  node: web-2\n  role: candidate\n  advertise: http://10.0.0.2\n  lease: consul\n  consul:\n    url: http://127.0.0.1:8500\n",
      "hostctl.yml",
    );
    expect(render(template, host).lease).toEqual({
      type: "consul",
      hostname: "web-2",
      "advertise-url": "http://10.0.0.2:20202",
      candidate: true,
      consul: { url: "http://127.0.0.1:8500", key: "litefs/blog", ttl: "10s" },
    });
  });

  it("refuses an unknown key with the template's file:line, naming the key", () => {
    const bad = template.replace("fuse:\n", "fuse:\n  allow_other: true\n");
    const line = bad.split("\n").indexOf("  allow_other: true") + 1;
    expect(() => render(bad)).toThrow(ConfigError);
    expect(messageOf(() => render(bad))).toContain(`litefs.yml.tmpl:${line}:3 fuse.allow_other: unknown key`);
  });

  it("refuses a missing required value, naming the key", () => {
    const bad = template.replace('  dir: "{{data_dir}}"\n', "  compress: true\n");
    expect(messageOf(() => render(bad))).toMatch(/litefs\.yml\.tmpl:\d+:\d+ data\.dir: /);
  });

  it("refuses LiteFS's own proxy (it forwards writes only on Fly)", () => {
    const bad = `${template}\nproxy:\n  addr: ":8080"\n`;
    expect(messageOf(() => render(bad))).toContain("fly-replay");
  });

  it("refuses a fuse.dir equal to data.dir", () => {
    const bad = template.replace('"{{data_dir}}"', '"{{fuse_dir}}"');
    expect(messageOf(() => render(bad))).toContain("data.dir: expected data.dir to differ from fuse.dir");
  });

  it("refuses LiteFS database paths below the mount's root", () => {
    const nested = validateAppSpec({ ...spec, databases: [{ path: "search/fts.sqlite3" }] }, "app.yml");
    expect(litefsAppIssues(nested, primaryHost, "app.yml").map((i) => i.path)).toEqual(["databases[0].path"]);
    const plain = validateAppSpec({ name: "shop", repo: "/r", port: 8003 }, "app.yml");
    expect(litefsAppIssues(plain, replicaHost, "app.yml").map((i) => i.path)).toEqual(["replication"]);
  });
});

async function asyncMessageOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe("writeLitefsConfigs", () => {
  let home: string | undefined;
  afterEach(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("gives each app its port in name order and writes 0600 files", async () => {
    home = await mkdtemp(join(tmpdir(), "litefs-unit-"));
    const written = await writeLitefsConfigs(hostPaths(home), primaryHost, [spec, other]);
    expect(written.map((f) => f.split("/").pop()).sort()).toEqual(["alpha.yml", "blog.yml"]);
    const blog = parse(await readFile(join(home, "run", "litefs", "blog.yml"), "utf8")) as { http: { addr: string } };
    expect(blog.http.addr).toBe("10.0.0.1:20203");
  });

  it("writes nothing when the template is bad, and needs a litefs: section", async () => {
    home = await mkdtemp(join(tmpdir(), "litefs-unit-"));
    await writeFile(join(home, "litefs.yml.tmpl"), template.replace("fuse:\n", "fuse:\n  mountpoint: /x\n"));
    expect(await asyncMessageOf(writeLitefsConfigs(hostPaths(home), primaryHost, [spec]))).toContain(
      "fuse.mountpoint: unknown key",
    );
    expect(await readdir(home)).toEqual(["litefs.yml.tmpl"]);
    const noSection = parseHostConfig("replica:\n  url: file:///mnt/backup\n", "hostctl.yml");
    expect(await asyncMessageOf(writeLitefsConfigs(hostPaths(home), noSection, [spec]))).toContain(
      "litefs: expected a litefs: section",
    );
  });
});
