import { join } from "node:path";
import type { HostContext } from "../apps/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { controlKey } from "../config/replica.js";
import { loadApps } from "../apps/registry.js";
import { readAppEnv } from "../apps/env.js";
import { formatEnvFile } from "../lib/env-file.js";
import { errorMessage } from "../lib/errors.js";
import { readCurrent, readReleaseMeta } from "../deploy/releases.js";
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

export async function registryEntry(ctx: HostContext, spec: AppSpec): Promise<RegistryEntry> {
  const app = appPaths(ctx.paths, spec.name);
  const current = await readCurrent(app);
  const meta = current ? await readReleaseMeta(join(app.releases, current)) : undefined;
  const env = await readAppEnv(ctx.paths, spec.name);
  const publicKey = ctx.host.registry.env_public_key;
  return {
    spec,
    live: current && meta ? { release: current, commit: meta.commit } : null,
    env_keys: Object.keys(env).sort(),
    ...(publicKey && Object.keys(env).length > 0 ? { env: encryptEnv(formatEnvFile(env), publicKey) } : {}),
    updated_at: ctx.clock.now().toISOString(),
  };
}

/** Writes every app's entry and removes entries of apps that are gone. Throws when the target is unreachable. */
export async function mirrorRegistry(ctx: HostContext): Promise<string[]> {
  if (!ctx.host.registry.mirror) return [];
  const apps = await loadApps(ctx.paths);
  for (const spec of apps) await ctx.store.put(entryKey(ctx, spec.name), JSON.stringify(await registryEntry(ctx, spec), null, 2));
  const names = new Set(apps.map((a) => a.name));
  for (const key of await ctx.store.list(registryPrefix(ctx))) {
    const name = key.slice(key.lastIndexOf("/") + 1).replace(/\.json$/, "");
    if (!names.has(name)) await ctx.store.delete(key);
  }
  return apps.map((a) => a.name);
}

/** For local commands: a registry copy must never fail the command. It warns; the supervisor retries. */
export async function mirrorRegistryOrWarn(ctx: HostContext): Promise<void> {
  try {
    await mirrorRegistry(ctx);
  } catch (error) {
    ctx.progress(`warning: the app registry was not mirrored to ${ctx.store.url}: ${errorMessage(error)} (hostctl up retries)`);
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
