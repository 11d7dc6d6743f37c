import type { LitefsHostConfig } from "../config/litefs-schema.js";

/** What LiteFS's GET /info says about a node (LiteFS 0.5.14's NodeInfo JSON). */
export interface LitefsInfo {
  isPrimary: boolean;
  candidate: boolean;
  /** This node's own name on the primary; empty while a replica is not connected. */
  primary: string;
}

/** LiteFS listens on the advertised IP or on every interface; this is how the host reaches it. */
export function localApiUrl(litefs: LitefsHostConfig, port: number): string {
  const host = new URL(litefs.advertise).hostname;
  return `http://${/^[\d.]+$/.test(host) ? host : "127.0.0.1"}:${port}`;
}

/** GET /info, or undefined while LiteFS does not answer (not mounted yet, or gone). */
export async function fetchLitefsInfo(apiUrl: string, timeoutMs = 2000): Promise<LitefsInfo | undefined> {
  try {
    const response = await fetch(`${apiUrl}/info`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as {
      isPrimary?: boolean;
      candidate?: boolean;
      primary?: { hostname?: string };
    };
    return {
      isPrimary: body.isPrimary === true,
      candidate: body.candidate === true,
      primary: body.primary?.hostname ?? "",
    };
  } catch {
    return undefined;
  }
}

// When not ready, `last` is LiteFS's last answer, so one unanswered poll on a loaded machine
// does not make the reason "does not answer" when it answered before.
export async function waitForLitefsReady(
  apiUrl: string,
  timeoutMs: number,
  intervalMs = 200,
): Promise<{ ready: true; info: LitefsInfo } | { ready: false; last: LitefsInfo | undefined }> {
  const deadline = Date.now() + timeoutMs;
  let last: LitefsInfo | undefined;
  while (Date.now() < deadline) {
    const info = await fetchLitefsInfo(apiUrl);
    if (info && (info.isPrimary || info.primary !== "")) return { ready: true, info };
    last = info ?? last;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return { ready: false, last };
}
