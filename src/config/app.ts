import { appSpecSchema, type AppSpec } from "./schema.js";
import { loadYamlWith, parseYamlWith, saveYaml, validateWith } from "./load.js";
import { appPaths, type HostPaths } from "./paths.js";

export function validateAppSpec(data: unknown, file: string): AppSpec {
  return validateWith(appSpecSchema, data, { file });
}

export function parseAppSpec(text: string, file: string): AppSpec {
  return parseYamlWith(appSpecSchema, text, file);
}

export function loadAppSpec(paths: HostPaths, name: string): Promise<AppSpec> {
  return loadYamlWith(appSpecSchema, appPaths(paths, name).spec, "run: hostctl app list");
}

/** 0600: a per-app alert webhook or ping URL is a secret (whoever has it can post or ping). */
export function saveAppSpec(paths: HostPaths, spec: AppSpec): Promise<void> {
  return saveYaml(appPaths(paths, spec.name).spec, spec, 0o600, "# hostctl app spec — see README \"Configuration reference\"\n");
}
