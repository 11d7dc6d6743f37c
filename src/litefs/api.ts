import type { LitefsHostConfig } from "../config/litefs-schema.js";

/** What LiteFS's GET /info says about a node (LiteFS 0.5.14's NodeInfo JSON). */
export interface LitefsInfo {
  isPrimary: boolean;
  candidate: boolean;
  /** The primary's node name: this node's own on the primary, empty while a replica is not connected. */
  primary: string;
}

/** This node's LiteFS API as seen from the host itself (it listens on the advertised IP, or on every interface). */
export function localApiUrl(litefs: LitefsHostConfig, port: number): string {
  const host = new URL(litefs.advertise).hostname;
  return `http://${/^[\d.]+$/.test(host) ? host : "127.0.0.1"}:${port}`;
}

/** GET /info, or undefined while LiteFS does not answer (not mounted yet, or gone). */
export async function fetchLitefsInfo(apiUrl: string, timeoutMs = 2000): Promise<LitefsInfo | undefined> {
  try {
    const response = await fetch(`${apiUrl}/info`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { isPrimary?: boolean; candidate?: boolean; primary?: { hostname?: string } };
    return { isPrimary: body.isPrimary === true, candidate: body.candidate === true, primary: body.primary?.hostname ?? "" };
  } catch {
    return undefined;
  }
}
