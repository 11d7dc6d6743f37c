import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { lookup } from "node:dns/promises";
import { createServer } from "node:net";
import { appDomains } from "../config/domains.js";
import type { AppSpec, HostConfig } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { errorMessage, firstLine } from "../lib/errors.js";
import { probeCaddy } from "./caddy-binary.js";
import { readListenerHandover, TCP_MIGRATE_REQ } from "./listener-handover.js";
import type { Check } from "../lib/check.js";
import { domainCertificates } from "./stored-certificates.js";
import type { CaddyPaths } from "./caddy-process.js";

type CaddyFiles = Pick<CaddyPaths, "storage" | "log">;

/** Whether this process could listen on the port: "free", or why not. */
function tryListen(port: number, host: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ port, ...(host ? { host } : {}) }, () => server.close(() => resolve("free")));
  });
}

function portCheck(port: number, what: string, outcome: string, proxyRunning: boolean): Check {
  const name = `proxy ${what} port ${port}`;
  if (outcome === "free") return { name, ok: true, detail: "can be bound" };
  if (outcome === "EADDRINUSE" && proxyRunning) return { name, ok: true, detail: "in use by hostctl's Caddy" };
  if (outcome === "EACCES")
    return {
      name,
      ok: false,
      detail:
        "permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE (the systemd unit runs hostctl as root)",
    };
  if (outcome === "EADDRINUSE")
    return { name, ok: false, detail: "in use by another program (ss -ltnp | grep :" + port + ")" };
  return { name, ok: false, detail: outcome };
}

/** Off is fine when `up` (root) can turn it on as it starts the front door. */
async function handoverCheck(): Promise<Check> {
  const name = "proxy listener handover";
  const handover = await readListenerHandover();
  if (handover.state !== "off") return { name, ok: handover.state === "on", detail: handover.detail };
  const settable = await access(TCP_MIGRATE_REQ, constants.W_OK).then(
    () => true,
    () => false,
  );
  return settable
    ? {
        name,
        ok: true,
        detail: "net.ipv4.tcp_migrate_req=0 now: hostctl up sets it to 1 when it starts the front door",
      }
    : { name, ok: false, detail: handover.detail };
}

/** Until when each domain's stored certificate is valid, or why there is none. */
async function certificateChecks(
  caddy: CaddyFiles,
  domains: readonly string[],
  proxyRunning: boolean,
): Promise<Check[]> {
  const log = caddy.log;
  const found = await domainCertificates(caddy.storage, domains);
  return domains.map((domain): Check => {
    const name = `certificate ${domain}`;
    const cert = found.get(domain) ?? { state: "none" };
    switch (cert.state) {
      case "valid":
        return { name, ok: true, detail: `valid until ${cert.validTo.toISOString()} (${cert.folder})` };
      case "expired":
        return { name, ok: false, detail: `expired ${cert.validTo.toISOString()} and not renewed: see ${log}` };
      case "crossed":
        return {
          name,
          ok: false,
          detail: `${cert.folder} holds a key that is not its certificate's own: hostctl up removes it when it starts the front door or Caddy refuses a config for it, and Caddy issues a new one`,
        };
      case "none":
        return proxyRunning
          ? {
              name,
              ok: false,
              detail: `none issued yet: see ${log} (docs/front-door.md, "When a certificate cannot be issued")`,
            }
          : { name, ok: true, detail: "none stored yet: Caddy obtains it once hostctl up starts the front door" };
    }
  });
}

// For ACME every domain must resolve to this host: the CA reaches it by name (the docs say what
// to check when it does not).
export async function proxyChecks(
  host: HostConfig,
  apps: readonly AppSpec[],
  run: Runner,
  pathVar: string | undefined,
  proxyRunning: boolean,
  caddy: CaddyFiles,
): Promise<Check[]> {
  const proxy = host.proxy;
  if (!proxy)
    return [
      {
        name: "proxy",
        ok: true,
        detail: "not configured: apps serve on their own ports (turn it on: hostctl init --force … --tls acme)",
      },
    ];
  const checks: Check[] = [];
  try {
    const caddy = await probeCaddy(run, proxy.caddy, pathVar);
    checks.push(
      caddy
        ? { name: "caddy", ok: true, detail: `${caddy.version} (${caddy.path})` }
        : {
            name: "caddy",
            ok: false,
            detail: `no caddy binary (${proxy.caddy}): install it (apt-get install caddy); until then apps serve on their own ports`,
          },
    );
  } catch (error) {
    checks.push({ name: "caddy", ok: false, detail: firstLine(error) });
  }
  checks.push(await handoverCheck());
  const domains = apps.flatMap((app) => appDomains(app));
  const ports =
    proxy.tls === "off"
      ? [[proxy.http_port, "HTTP"] as const]
      : [[proxy.http_port, "HTTP"] as const, [proxy.https_port, "HTTPS"] as const];
  for (const [port, what] of ports) checks.push(portCheck(port, what, await tryListen(port, proxy.bind), proxyRunning));
  if (proxy.tls === "acme") {
    for (const domain of domains) {
      try {
        const addresses = await lookup(domain, { all: true });
        checks.push({ name: `dns ${domain}`, ok: true, detail: addresses.map((a) => a.address).join(", ") });
      } catch (error) {
        checks.push({
          name: `dns ${domain}`,
          ok: false,
          detail: `does not resolve (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}): add an A/AAAA record pointing at this host, or the CA cannot issue its certificate`,
        });
      }
    }
  }
  if (proxy.tls !== "off") checks.push(...(await certificateChecks(caddy, domains, proxyRunning)));
  return checks;
}
