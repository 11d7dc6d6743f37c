import type { CommandResult } from "../deps.js";
import { generateEnvKeyPair } from "../../registry/env-crypto.js";

/** A key pair for mirroring app env files: the public key goes into hostctl.yml, the private key off the host. */
export function keygen(): Promise<CommandResult> {
  const { publicKey, privateKey } = generateEnvKeyPair();
  return Promise.resolve({
    text: [
      "Put the public key in hostctl.yml:",
      "  registry:",
      `    env_public_key: ${publicKey}`,
      "",
      "Keep the private key OFF this host (password manager). On a replacement host, give it to `hostctl up`",
      "with HOSTCTL_ENV_KEY_FILE=/path/to/key (or HOSTCTL_ENV_PRIVATE_KEY) to restore every app's env:",
      `  ${privateKey}`,
    ].join("\n"),
    data: { public_key: publicKey, private_key: privateKey },
  });
}
