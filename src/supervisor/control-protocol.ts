import { z } from "zod";

// Both sides parse with these schemas. Outer answer objects are loose, so a field the reader
// does not name passes through to `status --json`; inner ones name every field.

const iso = z.string();

export const processStatusSchema = z.object({
  type: z.string(),
  state: z.enum(["starting", "running", "backoff", "crashloop", "stopping", "stopped"]),
  pid: z.number().optional(),
  uptime_s: z.number().optional(),
  restarts: z.number(),
  last_exit: z.object({ code: z.number().nullable(), signal: z.string().nullable(), at: iso }).optional(),
  next_restart_at: iso.optional(),
  restart_times: z.array(iso),
});
export type ProcessStatus = z.infer<typeof processStatusSchema>;

export const appStates = [
  "starting",
  "restoring",
  "deploying",
  "waiting",
  "running",
  "crashloop",
  "stopped",
  "failed",
] as const;
export type AppState = (typeof appStates)[number];

/** How long the oldest write not yet in the replica has waited, from Litestream's metrics. */
export const replicationSchema = z.array(z.object({ database: z.string(), lag_s: z.number(), behind: z.boolean() }));
export const lastDrillSchema = z
  .object({ ok: z.boolean(), at: iso, duration_ms: z.number(), reason: z.string().nullable(), skipped: z.boolean() })
  .nullable();
export const mediaStatusSchema = z.object({
  files: z.number(),
  bytes: z.number(),
  pending: z.number(),
  lag_s: z.number(),
  oldest_change_at: iso.nullable(),
  watching: z.boolean(),
  synced_at: iso.nullable(),
  error: z.string().optional(),
});
export const deployPollSchema = z.object({
  checked_at: iso.optional(),
  head: z.string().optional(),
  failed: z.object({ commit: z.string(), at: iso, error: z.string() }).optional(),
  error: z.string().optional(),
  last_action: z.string(),
});
export const jobLineSchema = z.object({
  last_run_at: iso.nullable(),
  ok: z.boolean().nullable(),
  exit_code: z.number().nullable(),
  duration_ms: z.number().nullable(),
  reason: z.string().nullable(),
  running: z.boolean(),
  overlaps_skipped: z.number(),
});

/** Each optional: a feature that is off reports nothing. */
export const appFactsSchema = z.object({
  replication: replicationSchema.optional(),
  last_drill: lastDrillSchema.optional(),
  media: mediaStatusSchema.optional(),
  deploy_poll: deployPollSchema.optional(),
  jobs: z.record(z.string(), jobLineSchema).optional(),
  /** Set when Litestream's metrics port is held by another process: lag unknown. */
  litestream_metrics: z.string().optional(),
});
export type AppFacts = z.infer<typeof appFactsSchema>;

const databaseRestoreSchema = z.object({
  path: z.string(),
  action: z.enum(["present", "restored", "fresh"]),
  restore_ms: z.number().optional(),
  generation: z.string().optional(),
  strays: z.array(z.string()).optional(),
});

export const appStatusSchema = z.looseObject({
  name: z.string(),
  kind: z.string(),
  state: z.enum(appStates),
  reason: z.string().optional(),
  next_retry_at: iso.optional(),
  release: z.string().optional(),
  data_dir: z.string(),
  port: z.number(),
  domains: z.array(z.string()),
  /** Behind the proxy: the internal port of the live release's web process. */
  live_port: z.number().optional(),
  /** The live web process listens beyond loopback on its internal port (a warning). */
  exposed: z.string().optional(),
  processes: z.array(processStatusSchema),
  litestream: z.union([
    processStatusSchema.extend({ replicating: z.boolean() }),
    z.looseObject({ state: z.enum(["none", "disabled"]), replicating: z.literal(false) }),
  ]),
  databases: z.array(databaseRestoreSchema),
  /** A LiteFS app: its litefs mount process and this node's role. */
  litefs: processStatusSchema
    .partial()
    .extend({ role: z.enum(["primary", "replica"]) })
    .optional(),
  ...appFactsSchema.shape,
});
export type AppStatus = z.infer<typeof appStatusSchema>;

export const proxyStatusSchema = z.looseObject({
  state: z.string(),
  reason: z.string().optional(),
  pid: z.number().optional(),
  caddy_version: z.string().optional(),
  config_version: z.number().optional(),
  restarts: z.number().optional(),
  tls: z.string().optional(),
  listeners: z.array(z.string()).optional(),
  /** Whether Caddy's reload hands queued connections over (proxy/listener-handover.ts). */
  listener_handover: z.enum(["on", "turned_on", "off", "unsupported"]).optional(),
  apps: z
    .record(z.string(), z.looseObject({ domains: z.array(z.string()), live_port: z.number().optional() }))
    .optional(),
  /** From proxy/caddy-watch.ts: unanswered probes in a row, and kills of a stalled Caddy. */
  unanswered_probes: z.number().optional(),
  last_probe_error: z.string().optional(),
  stall_restarts: z.number().optional(),
  last_stall_restart_at: iso.optional(),
});
export type ProxyStatus = z.infer<typeof proxyStatusSchema>;

/** Host-wide facts other features report (the Litestream engine, the replica lease). */
export const hostFactsSchema = z.object({
  litestream: z.looseObject({ version: z.string(), line: z.string(), binary: z.string() }).optional(),
  /** host_id: absent on a LiteFS replica host, which takes no lease. */
  lease: z.looseObject({ host_id: z.string().optional(), state: z.string() }).optional(),
});
export type HostFacts = z.infer<typeof hostFactsSchema>;

export const supervisorStatusSchema = z.looseObject({
  supervisor: z.looseObject({
    pid: z.number(),
    started_at: iso,
    home: z.string(),
    host: z.string(),
    rss_mb: z.number(),
    heap_mb: z.number(),
  }),
  apps: z.array(appStatusSchema),
  proxy: proxyStatusSchema,
  ...hostFactsSchema.shape,
});
export type SupervisorStatus = z.infer<typeof supervisorStatusSchema>;

/** A switch behind the proxy: how long the upstream change took, and the old release's drain. */
const switchFields = {
  switch_ms: z.number().optional(),
  drain_s: z.number().optional(),
  warning: z.string().optional(),
};

export const activateRequestSchema = z.object({
  release: z.string().optional(),
  releaseDir: z.string({ error: "activate needs releaseDir" }).min(1, "activate needs releaseDir"),
});
export type ActivateRequest = z.infer<typeof activateRequestSchema>;

/** Stopped old, started new, health-checked, switched (or restarted old). */
export const activateResultSchema = z.object({
  ok: z.boolean(),
  gap_s: z.number(),
  error: z.string().optional(),
  ...switchFields,
});
export type ActivateResult = z.infer<typeof activateResultSchema>;

/** A reason stays in status if the command that stopped the app never comes back. */
export const stopRequestSchema = z.object({
  reason: z
    .string()
    .optional()
    .catch(undefined)
    .transform((r) => (r === "" ? undefined : r?.slice(0, 300))),
});
export const restartResultSchema = appStatusSchema.extend({ reloaded: z.boolean().optional(), ...switchFields });
export type RestartResult = z.infer<typeof restartResultSchema>;
export const unloadResultSchema = z.object({ name: z.string(), unloaded: z.literal(true) });

/** Every failed request is answered with this body (and a 4xx/5xx status). */
export const controlErrorSchema = z.looseObject({ error: z.string(), code: z.string().optional() });

const noBody = z.object({});

/** Every route of the control socket. `text` routes answer plain text (Prometheus), not JSON. */
export const controlApi = {
  status: { method: "GET", path: "/status", request: noBody, response: supervisorStatusSchema },
  metrics: { method: "GET", path: "/metrics", request: noBody, response: z.string() },
  stop: { method: "POST", path: "/apps/:name/stop", request: stopRequestSchema, response: appStatusSchema },
  start: { method: "POST", path: "/apps/:name/start", request: noBody, response: appStatusSchema },
  restart: { method: "POST", path: "/apps/:name/restart", request: noBody, response: restartResultSchema },
  load: { method: "POST", path: "/apps/:name/load", request: noBody, response: appStatusSchema },
  unload: { method: "POST", path: "/apps/:name/unload", request: noBody, response: unloadResultSchema },
  activate: {
    method: "POST",
    path: "/apps/:name/activate",
    request: activateRequestSchema,
    response: activateResultSchema,
  },
  drill: { method: "POST", path: "/apps/:name/drill", request: noBody, response: appStatusSchema },
} as const;

export type ControlApi = typeof controlApi;
export type RouteName = keyof ControlApi;
export type RequestOf<R extends RouteName> = z.input<ControlApi[R]["request"]>;
export type ResponseOf<R extends RouteName> = z.infer<ControlApi[R]["response"]>;

/** "POST /apps/:name/stop": the route's spec as the server's router reads it. */
export function routeSpec(route: RouteName): string {
  return `${controlApi[route].method} ${controlApi[route].path}`;
}
