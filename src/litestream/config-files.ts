import { readFile, readdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { AppSpec, HostConfig } from "../config/schema.js";
import { appPaths, type HostPaths } from "../config/paths.js";
import { writeFileAtomic, pathExists } from "../lib/fs.js";
import { HostctlError } from "../lib/errors.js";
import { litestreamVars, renderLitestreamConfig } from "./render.js";
import { assignMetricsPorts, readMetricsPorts, writeMetricsPorts } from "./ports.js";

export const BUILTIN_TEMPLATE = fileURLToPath(new URL("../../litestream.yml.tmpl", import.meta.url));

/** Which template is in force: hostctl.yml's litestream.template, else $HOSTCTL_HOME/litestream.yml.tmpl, else the built-in. */
export async function templatePath(paths: HostPaths, host: HostConfig): Promise<string> {
  if (host.litestream.template) return host.litestream.template;
  if (await pathExists(paths.templateOverride)) return paths.templateOverride;
  return BUILTIN_TEMPLATE;
}

/**
 * Renders and writes every app's Litestream config (0600), with each app's metrics port (ports.ts). All are rendered before any is written, so a bad
 * template leaves every file as it was. Configs of apps that are gone are removed.
 */
export async function writeLitestreamConfigs(
  paths: HostPaths,
  host: HostConfig,
  apps: readonly AppSpec[],
  options: { dryRun?: boolean } = {},
): Promise<string[]> {
  const file = await templatePath(paths, host);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new HostctlError("CONFIG_INVALID", `${file}: cannot read the Litestream template`, { exitCode: 2, cause: error });
  }
  const ports = assignMetricsPorts(host, apps, await readMetricsPorts(paths));
  const rendered = apps
    .filter((app) => app.databases.length > 0)
    .map((app) => {
      const vars = litestreamVars(host, app, appPaths(paths, app.name).data, ports[app.name]);
      return { target: appPaths(paths, app.name).litestreamConfig, yaml: renderLitestreamConfig(text, file, vars) };
    });
  if (options.dryRun) return rendered.map((r) => r.target);
  await writeMetricsPorts(paths, ports);
  for (const { target, yaml } of rendered) await writeFileAtomic(target, yaml, 0o600);
  const keep = new Set(rendered.map((r) => r.target.split("/").pop()));
  const existing = (await pathExists(paths.litestreamConfigs)) ? await readdir(paths.litestreamConfigs) : [];
  for (const name of existing) {
    if (name.endsWith(".yml") && !keep.has(name)) await rm(`${paths.litestreamConfigs}/${name}`, { force: true });
  }
  return rendered.map((r) => r.target);
}
