import { readFile, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AppSpec, HostConfig } from "../config/schema.js";
import { appPaths, type HostPaths } from "../config/paths.js";
import { writeFileAtomic, pathExists } from "../lib/fs.js";
import { ConfigError, HostctlError } from "../lib/errors.js";
import { litestreamVars, renderLitestreamConfig } from "./render.js";
import { assignMetricsPorts, readMetricsPorts, writeMetricsPorts } from "./ports.js";
import { BUILTIN_TEMPLATE_V03 } from "./engine-v03.js";
import type { LitestreamEngine } from "./engine.js";
import { selectEngine } from "./select.js";
import { createRunner } from "../lib/exec.js";
import { createLogger } from "../lib/log.js";
import { writeLitefsConfigs } from "../litefs/config-files.js";
import { databaseDir, isLitefsApp } from "../litefs/paths.js";

export const BUILTIN_TEMPLATE = BUILTIN_TEMPLATE_V03;

/** hostctl.yml's litestream.template, else the engine's per-home override, else its built-in. */
export async function templatePath(paths: HostPaths, host: HostConfig, engine?: LitestreamEngine): Promise<string> {
  if (host.litestream.template) return host.litestream.template;
  const override = engine ? join(dirname(paths.templateOverride), engine.overrideName) : paths.templateOverride;
  if (await pathExists(override)) return override;
  return engine?.builtinTemplate ?? BUILTIN_TEMPLATE;
}

/** For callers without a HostContext (app add, init): detected the same way, quietly. */
export function engineFor(host: HostConfig): Promise<LitestreamEngine> {
  return selectEngine(host, process.env, createRunner(createLogger("silent")));
}

/** All are rendered before any is written, so a bad template leaves every file as it was.
 * Configs of apps that are gone are removed. */
export async function writeLitestreamConfigs(
  paths: HostPaths,
  host: HostConfig,
  apps: readonly AppSpec[],
  options: { dryRun?: boolean; engine?: LitestreamEngine } = {},
): Promise<string[]> {
  const engine = options.engine ?? (await engineFor(host));
  if (host.litestream.heartbeat_url && engine.line === "0.3") {
    throw new HostctlError(
      "CONFIG_INVALID",
      `hostctl.yml: litestream.heartbeat_url needs Litestream 0.5; the Litestream in use is ${engine.version} (${engine.binary})`,
      {
        exitCode: 2,
        hint: "remove litestream.heartbeat_url, or set litestream.binary to a Litestream 0.5 binary (docs/litestream-engines.md)",
      },
    );
  }
  const file = await templatePath(paths, host, engine);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new HostctlError("CONFIG_INVALID", `${file}: cannot read the Litestream template`, {
      exitCode: 2,
      cause: error,
    });
  }
  const ports = assignMetricsPorts(host, apps, await readMetricsPorts(paths));
  const rendered = apps
    .filter((app) => app.databases.length > 0)
    .map((app) => {
      const litefs = isLitefsApp(app);
      if (litefs && !text.includes("{{db.meta_path}}")) {
        throw new ConfigError([
          {
            file,
            path: "dbs[0].meta-path",
            message:
              'expected meta-path: "{{db.meta_path}}" (app ' +
              app.name +
              " uses LiteFS: Litestream cannot keep its directory inside the mount)",
          },
        ]);
      }
      const vars = litestreamVars(
        host,
        app,
        databaseDir(paths, app),
        ports[app.name],
        litefs ? appPaths(paths, app.name).data : undefined,
      );
      return {
        target: appPaths(paths, app.name).litestreamConfig,
        yaml: renderLitestreamConfig(text, file, vars, engine.configSchema),
      };
    });
  // LiteFS configs are checked with these: a bad one leaves every file as it was.
  await writeLitefsConfigs(paths, host, apps, { dryRun: true });
  if (options.dryRun) return rendered.map((r) => r.target);
  await writeMetricsPorts(paths, ports);
  await writeLitefsConfigs(paths, host, apps);
  for (const { target, yaml } of rendered) await writeFileAtomic(target, yaml, 0o600);
  const keep = new Set(rendered.map((r) => r.target.split("/").pop()));
  const existing = (await pathExists(paths.litestreamConfigs)) ? await readdir(paths.litestreamConfigs) : [];
  for (const name of existing) {
    if (name.endsWith(".yml") && !keep.has(name)) await rm(`${paths.litestreamConfigs}/${name}`, { force: true });
  }
  return rendered.map((r) => r.target);
}
