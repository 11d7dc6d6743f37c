import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppSpec, HostConfig } from "../config/schema.js";
import type { LitefsHostConfig } from "../config/litefs-schema.js";
import type { HostPaths } from "../config/paths.js";
import { ConfigError, HostctlError } from "../lib/errors.js";
import { pathExists, writeFileAtomic } from "../lib/fs.js";
import { isLitefsApp, litefsConfigDir, litefsPaths } from "./paths.js";
import { litefsPort } from "./ports.js";
import { litefsVars, renderLitefsConfig } from "./render.js";

export const BUILTIN_LITEFS_TEMPLATE = fileURLToPath(new URL("../../templates/litefs.yml.tmpl", import.meta.url));

/** $HOSTCTL_HOME/litefs.yml.tmpl when present, else the built-in template. */
export async function litefsTemplatePath(paths: HostPaths): Promise<string> {
  const override = join(paths.home, "litefs.yml.tmpl");
  return (await pathExists(override)) ? override : BUILTIN_LITEFS_TEMPLATE;
}

/** Pure: refused (exit 2, naming the key) when a LiteFS app cannot run with this section. */
export function requireLitefs(host: HostConfig, file: string): LitefsHostConfig {
  const litefs = host.litefs;
  if (!litefs)
    throw new ConfigError(
      [
        {
          file,
          path: "litefs",
          message: "expected a litefs: section (node, role, advertise): this host runs an app with replication: litefs",
        },
      ],
      { hint: "see docs/litefs.md" },
    );
  if (litefs.role === "replica" && litefs.lease === "static" && !litefs.primary) {
    throw new ConfigError([
      {
        file,
        path: "litefs.primary",
        message: "expected the primary (node, advertise, front_door): a replica with a static lease follows it",
      },
    ]);
  }
  if (litefs.lease === "consul" && !litefs.consul)
    throw new ConfigError([{ file, path: "litefs.consul", message: "expected consul.url: lease is consul" }]);
  return litefs;
}

// All are rendered and checked before any is written, so a bad template or host section leaves
// every file as it was. Configs of removed apps are deleted.
export async function writeLitefsConfigs(
  paths: HostPaths,
  host: HostConfig,
  apps: readonly AppSpec[],
  options: { dryRun?: boolean } = {},
): Promise<string[]> {
  const litefsApps = apps.filter(isLitefsApp);
  if (litefsApps.length === 0 && !(await pathExists(litefsConfigDir(paths)))) return [];
  const rendered: { target: string; yaml: string }[] = [];
  if (litefsApps.length > 0) {
    const litefs = requireLitefs(host, paths.hostConfig);
    const file = await litefsTemplatePath(paths);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new HostctlError("CONFIG_INVALID", `${file}: cannot read the LiteFS template`, {
        exitCode: 2,
        cause: error,
      });
    }
    for (const app of litefsApps) {
      const own = litefsPaths(paths, app.name);
      const node = {
        litefs,
        port: litefsPort(litefs.port_base, apps, app.name),
        primaryPort: litefsPort(litefs.primary?.port_base ?? litefs.port_base, apps, app.name),
      };
      rendered.push({ target: own.config, yaml: renderLitefsConfig(text, file, litefsVars(app, own, node)) });
    }
  }
  if (options.dryRun) return rendered.map((r) => r.target);
  for (const { target, yaml } of rendered) await writeFileAtomic(target, yaml, 0o600);
  const keep = new Set(rendered.map((r) => r.target.split("/").pop()));
  const dir = litefsConfigDir(paths);
  for (const name of (await pathExists(dir)) ? await readdir(dir) : []) {
    if (name.endsWith(".yml") && !keep.has(name)) await rm(join(dir, name), { force: true });
  }
  return rendered.map((r) => r.target);
}
