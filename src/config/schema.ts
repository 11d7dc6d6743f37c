import { posix } from "node:path";
import { z } from "zod";
import { litefsHostSchema } from "./litefs-schema.js";
import { proxySchema } from "./proxy-schema.js";
import { appSpecSchema } from "./app-schema.js";
import { alerts, cron, duration, httpUrl } from "./schema-fields.js";

export const REPLICA_URL = /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?|file:\/\/\/[^\s]*)$/;

export const hostConfigSchema = z.strictObject({
  replica: z
    .strictObject({
      url: z
        .string()
        .regex(REPLICA_URL, "expected s3://BUCKET/PREFIX or file:///DIR")
        .refine((v) => !v.startsWith("file://") || posix.normalize(v.slice("file://".length)) !== "/", {
          message: "expected a directory below / for a file:// replica (file:/// would write into the root directory)",
        })
        .describe("where every app's databases are replicated: s3://BUCKET/PREFIX or file:///DIR"),
      s3: z
        .strictObject({
          endpoint: httpUrl("S3 endpoint for non-AWS providers (MinIO, R2, B2, ...)").optional(),
          region: z.string().min(1).default("us-east-1").describe("S3 region"),
          force_path_style: z.boolean().default(false).describe("use path-style S3 URLs (most non-AWS providers)"),
          credentials_file: z
            .string()
            .startsWith("/", "expected an absolute path")
            .optional()
            .describe("0600 file of AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines; else the AWS_* environment"),
        })
        .prefault({})
        .describe("S3 connection settings (ignored for file:// replicas)"),
    })
    .describe("replica target"),
  litestream: z
    .strictObject({
      binary: z.string().optional().describe("path of the litestream binary (default: the one shipped with hostctl)"),
      template: z.string().optional().describe("Litestream config template overriding the built-in one"),
      sync_interval: duration("how often Litestream ships WAL to the replica").default("1s"),
      snapshot_interval: duration("how often Litestream writes a full snapshot").default("24h"),
      retention: duration("how long snapshots and WAL are kept in the replica").default("72h"),
      stall_timeout: duration(
        "Litestream is restarted (with backoff, logged and posted to alerts.webhook) when writes have waited this long for the replica",
      ).default("2m"),
      heartbeat_url: httpUrl(
        "Litestream 0.5 GETs this URL while replication is healthy (a dead man's switch for the replicator; not with 0.3)",
      ).optional(),
      metrics_port_base: z
        .number()
        .int()
        .min(1024)
        .max(65000)
        .default(9430)
        .describe("first loopback port for each app's Litestream metrics (one port per app, in app order)"),
    })
    .prefault({})
    .describe("Litestream settings"),
  drills: z
    .strictObject({
      schedule: cron("default cron schedule for restore drills").default("17 3 * * *"),
      concurrency: z.number().int().min(1).max(8).default(1).describe("drills running at once"),
      max_lag: duration("a drill fails when the replica is older than this").default("60s"),
      media_references: z
        .strictObject({
          ignore: z
            .array(z.string().min(1))
            .default([])
            .describe(
              "globs of media paths (relative to MEDIA_ROOT, e.g. documents/**) the media_references check does not look for",
            ),
        })
        .prefault({})
        .describe("the drill's check that files the database references are in the replica"),
    })
    .prefault({})
    .describe("restore drill defaults"),
  alerts: alerts.prefault({}).describe("where failing drills are reported"),
  registry: z
    .strictObject({
      mirror: z
        .boolean()
        .default(true)
        .describe(
          "mirror every app spec and its live commit to <replica>/_hostctl/registry/ (what a fresh host recovers from)",
        ),
      env_public_key: z
        .string()
        .regex(/^[A-Za-z0-9+/=]{40,}$/, "expected the base64 public key printed by hostctl keygen")
        .optional()
        .describe(
          "when set, app env files are mirrored too, encrypted to this X25519 public key; the private key stays off the host",
        ),
    })
    .prefault({})
    .describe("the app registry kept in the replica target"),
  proxy: proxySchema
    .optional()
    .describe("the front door: Caddy in front of every app (absent: apps serve on their own ports, no proxy)"),
  metrics: z
    .strictObject({
      listen: z
        .string()
        .regex(/^127\.0\.0\.1:\d{2,5}$/, "expected 127.0.0.1:PORT (metrics are never exposed beyond loopback)")
        .optional()
        .describe("also serve /metrics on this loopback TCP address"),
    })
    .prefault({})
    .describe("Prometheus metrics"),
  litefs: litefsHostSchema
    .optional()
    .describe("this host's place in a LiteFS cluster (apps with replication: litefs; docs/litefs.md)"),
});

export type HostConfig = z.infer<typeof hostConfigSchema>;
export type HostConfigInput = z.input<typeof hostConfigSchema>;
export type AppSpec = z.infer<typeof appSpecSchema>;
export type AppSpecInput = z.input<typeof appSpecSchema>;
export type AppKind = AppSpec["kind"];
