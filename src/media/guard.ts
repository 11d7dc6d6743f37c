import type { AppSpec } from "../config/schema.js";
import { parseDuration } from "../lib/duration.js";

const DEFAULT_MAX_LAG_MS = 60_000;

/** What a deploy reads of the supervisor's media status (GET /status, apps[].media). */
export interface MediaRuntime {
  media?: { lag_s?: unknown; error?: unknown } | null;
}

/** Pure: media lag has the database lag's limit: an unreplicated upload is lost like a row. */
export function mediaRefusal(spec: AppSpec, status: object | undefined, hostMaxLag: string): string | undefined {
  const runtime = status as MediaRuntime | undefined;
  const lag = runtime?.media?.lag_s;
  if (typeof lag !== "number") return undefined;
  const maxLagS = (parseDuration(spec.drill.max_lag ?? hostMaxLag) ?? DEFAULT_MAX_LAG_MS) / 1000;
  if (lag <= maxLagS) return undefined;
  const error = typeof runtime?.media?.error === "string" ? ` (${runtime.media.error})` : "";
  return `media of ${spec.name} are ${Math.round(lag)}s behind: the oldest change is not in the replica yet${error} (limit ${maxLagS}s)`;
}
