import type { CommandResult, Deps } from "../deps.js";
import { loadHostConfig, saveHostConfig } from "../../config/host.js";
import type { HostConfig } from "../../config/schema.js";
import type { StatusPageConfig } from "../../config/status-page-schema.js";
import { usageError } from "../../lib/errors.js";
import { hashPassword, newToken } from "../../status-page/password.js";

const MIN_PASSWORD = 10;

async function pageConfig(deps: Deps): Promise<{ host: HostConfig; page: StatusPageConfig }> {
  const host = await loadHostConfig(deps.paths);
  const page = host.proxy?.status;
  if (!host.proxy || !page)
    throw usageError(
      `${deps.paths.hostConfig} has no proxy.status: the status page is off`,
      "turn it on: hostctl init … --status-domain status.example.com (or add proxy.status.domain to hostctl.yml)",
    );
  return { host, page };
}

async function savePage(deps: Deps, host: HostConfig, page: StatusPageConfig): Promise<void> {
  if (!host.proxy) return;
  await saveHostConfig(deps.paths, { ...host, proxy: { ...host.proxy, status: page } });
}

/** The password comes on stdin (never argv); only its scrypt hash is stored. */
export async function statusPagePasswd(stdinText: string, deps: Deps): Promise<CommandResult> {
  const password = stdinText.replace(/\r?\n$/, "");
  if (password.includes("\n")) throw usageError("stdin: expected the password on one line");
  if (password.length < MIN_PASSWORD)
    throw usageError(
      `stdin: expected a password of at least ${MIN_PASSWORD} characters, got ${password.length}`,
      "example: openssl rand -base64 18 | hostctl status-page passwd",
    );
  const { host, page } = await pageConfig(deps);
  await savePage(deps, host, { ...page, password_hash: await hashPassword(password) });
  return {
    text: `Password set for https://${page.domain} (proxy.status.password_hash in ${deps.paths.hostConfig}); it counts at once, sessions of the old one end.`,
    data: { domain: page.domain, password_set: true },
  };
}

/** A new bearer token for /api/status, printed once; only its hash is stored. */
export async function statusPageToken(deps: Deps): Promise<CommandResult> {
  const { host, page } = await pageConfig(deps);
  const { token, hash } = newToken();
  await savePage(deps, host, { ...page, token_hash: hash });
  return {
    text: [
      `New token for https://${page.domain}/api/status (the previous one no longer works); it is shown once:`,
      `  ${token}`,
      `example: curl -H "Authorization: Bearer $TOKEN" https://${page.domain}/api/status`,
    ].join("\n"),
    data: { domain: page.domain, token },
  };
}
