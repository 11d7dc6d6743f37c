import { readFile, writeFile } from "node:fs/promises";
import { errorMessage } from "../lib/errors.js";

// Each config load reopens Caddy's SO_REUSEPORT listeners; Linux resets connections queued on the
// closed one unless tcp_migrate_req is 1 (5.14+), which moves them to a listener that stays open.
export const TCP_MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req";

export interface ListenerHandover {
  /** turned_on: hostctl set it; off: 0 and could not be set; unsupported: kernel before 5.14. */
  state: "on" | "turned_on" | "off" | "unsupported";
  detail: string;
}

const PERSIST = "persist it: echo net.ipv4.tcp_migrate_req=1 > /etc/sysctl.d/60-hostctl.conf";

/** What the kernel does with queued connections when Caddy reloads (read only). */
export async function readListenerHandover(file = TCP_MIGRATE_REQ): Promise<ListenerHandover> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return {
      state: "unsupported",
      detail:
        "kernel without net.ipv4.tcp_migrate_req (before Linux 5.14): a config load (an app added or stopped, a domain) can reset a few connections queued during Caddy's reload",
    };
  }
  return text.trim() === "1"
    ? { state: "on", detail: "net.ipv4.tcp_migrate_req=1: queued connections move to the new listener on a reload" }
    : {
        state: "off",
        detail: `net.ipv4.tcp_migrate_req=0: a config load (an app added or stopped, a domain) can reset connections queued during Caddy's reload; run: sysctl -w net.ipv4.tcp_migrate_req=1 (and ${PERSIST})`,
      };
}

/** Turns the handover on when it is off and this process may (root); says what it found or did. */
export async function ensureListenerHandover(file = TCP_MIGRATE_REQ): Promise<ListenerHandover> {
  const found = await readListenerHandover(file);
  if (found.state !== "off") return found;
  try {
    await writeFile(file, "1\n");
  } catch (error) {
    return { state: "off", detail: `${found.detail} (hostctl could not set it: ${errorMessage(error)})` };
  }
  const after = await readListenerHandover(file);
  return after.state === "on"
    ? { state: "turned_on", detail: `set net.ipv4.tcp_migrate_req=1 for Caddy's reloads; ${PERSIST}` }
    : after;
}
