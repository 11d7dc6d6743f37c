import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { controlKey } from "../config/replica.js";
import { scanApps } from "../apps/registry.js";
import { readAppEnv } from "../apps/env.js";
import { formatEnvText } from "../lib/env-format.js";
import { errorMessage } from "../lib/errors.js";
import { readCurrent, readReleaseMeta } from "../deploy/releases.js";
import { heldByAnotherHost } from "../lease/lease.js";
import { describeHolder } from "../lease/decision.js";
import { readRecoveryState } from "./recovery-state.js";
import { encryptEnv, type EnvEnvelope } from "./env-crypto.js";

/** One app as kept in the replica target: enough for a fresh host to bring it back. */
export interface RegistryEntry {
  spec: AppSpec;
  live: { release: string; commit: string } | null;
  env_keys: string[];
  env?: EnvEnvelope;
  updated_at: string;
}

export function registryPrefix(ctx: HostContext): string {
  return `${controlKey(ctx.store.target, "registry")}/`;
}

function entryKey(ctx: HostContext, app: string): string {
  return controlKey(ctx.store.target, "registry", `${app}.json`);
}

/** `previous` is kept while this host cannot stand in: a recovered, undeployed app keeps its live
 * commit, and an empty env file here must not erase the only copy of the secrets. */
export async function registryEntry(ctx: HostContext, spec: AppSpec, previous?: RegistryEntry): Promise<RegistryEntry> {
  const app = appPaths(ctx.paths, spec.name);
  const current = await readCurrent(app);
  const meta = current ? await readReleaseMeta(join(app.releases, current)) : undefined;
  const env = await readAppEnv(ctx.paths, spec.name);
  const publicKey = ctx.host.registry.env_public_key;
  const recovery = await readRecoveryState(ctx, spec.name);
  const stillMissing = (recovery.missing_env_keys ?? []).filter((key) => !(key in env));
  const keepEnv = stillMissing.length > 0 && previous !== undefined;
  return {
    spec,
    live: current && meta ? { release: current, commit: meta.commit } : (previous?.live ?? null),
    env_keys: keepEnv ? previous.env_keys : Object.keys(env).sort(),
    ...(keepEnv
      ? previous.env
        ? { env: previous.env }
        : {}
      : publicKey && Object.keys(env).length > 0
        ? { env: encryptEnv(formatEnvText(env), publicKey) }
        : {}),
    updated_at: ctx.clock.now().toISOString(),
  };
}

async function readEntry(ctx: HostContext, app: string): Promise<RegistryEntry | undefined> {
  const body = await ctx.store.get(entryKey(ctx, app));
  if (!body) return undefined;
  try {
    return JSON.parse(body.toString("utf8")) as RegistryEntry;
  } catch {
    return undefined; // not an entry: rewritten from this host's copy
  }
}

/** Leaves other apps' entries: a host yet to recover has none and must not erase its source.
 * Only `app remove` deletes one. Throws when the target is unreachable. */
export async function mirrorRegistry(ctx: HostContext): Promise<string[]> {
  if (!writesRegistry(ctx)) return [];
  const { apps } = await scanApps(ctx.paths);
  for (const spec of apps) {
    const entry = await registryEntry(ctx, spec, await readEntry(ctx, spec.name));
    await ctx.store.put(entryKey(ctx, spec.name), JSON.stringify(entry, null, 2));
  }
  return apps.map((a) => a.name);
}

/** Never on a LiteFS replica: the primary's apps are the cluster's. */
export function writesRegistry(ctx: HostContext): boolean {
  return ctx.host.registry.mirror && ctx.host.litefs?.role !== "replica";
}

/** `app remove`: the app's entry goes, so a fresh host does not bring the app back. */
export async function removeRegistryEntry(ctx: HostContext, app: string): Promise<void> {
  if (!writesRegistry(ctx)) return;
  await ctx.store.delete(entryKey(ctx, app));
}

/** Never fails the command: it warns and the supervisor retries. While another host holds the
 * lease, the registry is that host's: nothing is written. */
export async function mirrorRegistryOrWarn(
  ctx: HostContext,
  warn: (line: string) => void,
  removed?: string,
): Promise<void> {
  try {
    if (!writesRegistry(ctx)) return;
    const holder = await heldByAnotherHost(ctx);
    if (holder) {
      warn(
        `warning: the app registry in ${ctx.store.url} was not changed: the replica is held by ${describeHolder(holder, ctx.clock.now())}`,
      );
      return;
    }
    if (removed) await removeRegistryEntry(ctx, removed);
    await mirrorRegistry(ctx);
  } catch (error) {
    warn(
      `warning: the app registry was not mirrored to ${ctx.store.url}: ${errorMessage(error)} (hostctl up retries${removed ? `; the entry of ${removed} is not retried: delete ${entryKey(ctx, removed)} by hand` : ""})`,
    );
  }
}

export async function readRegistry(ctx: HostContext): Promise<RegistryEntry[]> {
  const entries: RegistryEntry[] = [];
  for (const key of await ctx.store.list(registryPrefix(ctx))) {
    if (!key.endsWith(".json")) continue;
    const body = await ctx.store.get(key);
    if (body) entries.push(JSON.parse(body.toString()) as RegistryEntry);
  }
  return entries;
}
