import { hostConfigSchema, type HostConfig } from "./schema.js";
import { loadYamlWith, parseYamlWith, saveYaml, validateWith } from "./load.js";
import type { HostPaths } from "./paths.js";
import { checkHostRules } from "./host-rules.js";

export function validateHostConfig(data: unknown, file: string): HostConfig {
  return validateWith(hostConfigSchema, data, { file });
}

export function parseHostConfig(text: string, file: string): HostConfig {
  return parseYamlWith(hostConfigSchema, text, file);
}

export async function loadHostConfig(paths: HostPaths): Promise<HostConfig> {
  const config = await loadYamlWith(
    hostConfigSchema,
    paths.hostConfig,
    `run: hostctl init --home ${paths.home} --replica-url s3://BUCKET/PREFIX`,
  );
  checkHostRules(config, paths.home, paths.hostConfig);
  return config;
}

export function saveHostConfig(paths: HostPaths, config: HostConfig): Promise<void> {
  return saveYaml(paths.hostConfig, config, 0o600, "# hostctl host config — see docs/configuration.md\n");
}
