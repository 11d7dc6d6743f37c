import { appSpecSchema } from "./app-schema.js";
import type { AppSpec } from "./schema.js";
import { loadYamlWith, parseYamlWith, saveYaml, validateWith } from "./load.js";
import { appPaths, type HostPaths } from "./paths.js";
import { ConfigError } from "../lib/errors.js";

export function validateAppSpec(data: unknown, file: string): AppSpec {
  return validateWith(appSpecSchema, data, { file });
}

export function parseAppSpec(text: string, file: string): AppSpec {
  return parseYamlWith(appSpecSchema, text, file);
}

/** An edited `name:` would point every path and the replica prefix at a new, empty app. */
export async function loadAppSpec(paths: HostPaths, name: string): Promise<AppSpec> {
  const file = appPaths(paths, name).spec;
  const spec = await loadYamlWith(appSpecSchema, file, "run: hostctl app list");
  if (spec.name !== name) {
    throw new ConfigError(
      [
        {
          file,
          path: "name",
          message: `expected "${name}" (the app's directory), got "${spec.name}"; an app is renamed by removing and adding it`,
        },
      ],
      {
        hint: `put back name: ${name} in ${file}, then: hostctl restart ${name}`,
      },
    );
  }
  return spec;
}

/** 0600: a per-app alert webhook or ping URL is a secret (whoever has it can post or ping). */
export function saveAppSpec(paths: HostPaths, spec: AppSpec): Promise<void> {
  return saveYaml(appPaths(paths, spec.name).spec, spec, 0o600, "# hostctl app spec — see docs/configuration.md\n");
}
