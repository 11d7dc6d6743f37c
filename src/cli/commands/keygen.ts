import type { CommandResult, Deps } from "../deps.js";
import { generateEnvKeyPair } from "../../registry/env-crypto.js";
import { loadHostConfig, saveHostConfig } from "../../config/host.js";

export interface KeygenOptions {
  write?: boolean;
}

/** Printed, never stored: the host only encrypts, so the bucket alone never reveals an env file. */
export async function keygen(options: KeygenOptions = {}, deps?: Deps): Promise<CommandResult> {
  const { publicKey, privateKey } = generateEnvKeyPair();
  if (options.write && deps) {
    const host = await loadHostConfig(deps.paths);
    await saveHostConfig(deps.paths, { ...host, registry: { ...host.registry, env_public_key: publicKey } });
  }
  const where =
    options.write && deps
      ? [
          `Wrote the public key to ${deps.paths.hostConfig} (registry.env_public_key): app env files are mirrored encrypted from now on.`,
        ]
      : [
          "Put the public key in hostctl.yml (or run: hostctl keygen --write):",
          "  registry:",
          `    env_public_key: ${publicKey}`,
        ];
  return {
    text: [
      ...where,
      "",
      "Keep the private key OFF this host (password manager). On a replacement host, give it to `hostctl up`",
      "with HOSTCTL_ENV_KEY_FILE=/path/to/key (or HOSTCTL_ENV_PRIVATE_KEY) to restore every app's env:",
      `  ${privateKey}`,
    ].join("\n"),
    data: { public_key: publicKey, private_key: privateKey, written: Boolean(options.write && deps) },
  };
}
