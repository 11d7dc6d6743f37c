import { z } from "zod";
import { goDuration, noCredentials } from "../lib/go-config.js";

// Litestream ignores unknown keys, so any other key is a typo that would silently change
// behaviour: these schemas refuse it at render time.

/** The `logging:` section, the same in Litestream 0.3.13 and 0.5.14. */
const loggingSchema = z.strictObject({
  level: z.enum(["debug", "info", "warn", "error"]).optional(),
  type: z.enum(["text", "json"]).optional(),
  stderr: z.boolean().optional(),
});

// Replica keys both versions read the same way.
const replicaKeys = {
  path: z.string().optional(),
  url: z.string().optional(),
  "sync-interval": goDuration.optional(),
  "validation-interval": goDuration.optional(),
  "access-key-id": noCredentials,
  "secret-access-key": noCredentials,
  region: z.string().optional(),
  bucket: z.string().optional(),
  endpoint: z.string().optional(),
  "force-path-style": z.boolean().optional(),
  "skip-verify": z.boolean().optional(),
  "account-name": z.string().optional(),
  host: z.string().optional(),
  user: z.string().optional(),
  "key-path": z.string().optional(),
  age: z
    .strictObject({ identities: z.array(z.string()).optional(), recipients: z.array(z.string()).optional() })
    .optional(),
};

const loopbackAddr = z
  .string()
  .regex(/^127\.0\.0\.1:\d{1,5}$/, 'expected 127.0.0.1:PORT (":PORT" listens on every interface and exposes pprof)')
  .optional();

// Litestream 0.3.13.

const replicaSchemaV03 = z.strictObject({
  ...replicaKeys,
  type: z.enum(["file", "s3", "gcs", "abs", "sftp"]).optional(),
  name: z.string().optional(),
  retention: goDuration.optional(),
  "retention-check-interval": goDuration.optional(),
  "snapshot-interval": goDuration.optional(),
  "account-key": z.string().optional(),
  password: z.string().optional(),
});

const dbSchemaV03 = z.strictObject({
  path: z.string().startsWith("/", "expected an absolute path"),
  "meta-path": z.string().optional(),
  "monitor-interval": goDuration.optional(),
  "checkpoint-interval": goDuration.optional(),
  "min-checkpoint-page-count": z.number().int().optional(),
  "max-checkpoint-page-count": z.number().int().optional(),
  replicas: z.array(replicaSchemaV03).min(1, "expected at least one replica"),
});

export const litestreamConfigSchemaV03 = z.strictObject({
  addr: loopbackAddr,
  dbs: z.array(dbSchemaV03).min(1, "expected at least one database"),
  exec: z.string().optional(),
  "access-key-id": z.never({ error: "credentials must not be written to the config" }).optional(),
  "secret-access-key": z.never({ error: "credentials must not be written to the config" }).optional(),
  logging: loggingSchema.optional(),
});

export type LitestreamConfig = z.infer<typeof litestreamConfigSchemaV03>;

// Litestream 0.5.14, from its cmd/litestream/main.go Config, DBConfig and ReplicaConfig.

const replicaSchemaV05 = z.strictObject({
  ...replicaKeys,
  type: z.enum(["file", "s3", "gs", "abs", "sftp", "nats", "oss", "webdav"]).optional(),
  "auto-recover": z.boolean().optional(),
  "sign-payload": z.boolean().optional(),
  "require-content-md5": z.boolean().optional(),
  "storage-class": z.string().optional(),
  "part-size": z.union([z.string(), z.number()]).optional(),
  concurrency: z.number().int().optional(),
  "sse-kms-key-id": z.string().optional(),
});

const snapshotSchemaV05 = z.strictObject({ interval: goDuration.optional(), retention: goDuration.optional() });

const dbSchemaV05 = z.strictObject({
  path: z.string().startsWith("/", "expected an absolute path"),
  "meta-path": z.string().optional(),
  "monitor-interval": goDuration.optional(),
  "checkpoint-interval": goDuration.optional(),
  "busy-timeout": goDuration.optional(),
  "min-checkpoint-page-count": z.number().int().optional(),
  "truncate-page-n": z.number().int().optional(),
  snapshot: snapshotSchemaV05.optional(),
  // hostctl restores on boot itself, fail-closed; Litestream's restore-on-start would bypass that.
  "restore-if-db-not-exists": z
    .literal(false, { error: "hostctl restores on boot itself (fail-closed); leave restore-if-db-not-exists out" })
    .optional(),
  replica: replicaSchemaV05,
  replicas: z
    .never({ error: "Litestream 0.5 takes one `replica:` per database (`replicas:` is the 0.3 form)" })
    .optional(),
});

export const litestreamConfigSchemaV05 = z.strictObject({
  addr: loopbackAddr,
  dbs: z.array(dbSchemaV05).min(1, "expected at least one database"),
  "sync-interval": goDuration.optional(),
  snapshot: snapshotSchemaV05.optional(),
  "l0-retention": goDuration.optional(),
  "l0-retention-check-interval": goDuration.optional(),
  retention: z.strictObject({ enabled: z.boolean().optional() }).optional(),
  levels: z.array(z.strictObject({ interval: goDuration })).optional(),
  "heartbeat-url": z
    .string()
    .regex(/^https?:\/\//, "expected an http(s) URL")
    .optional(),
  "heartbeat-interval": goDuration.optional(),
  "shutdown-sync-timeout": goDuration.optional(),
  "shutdown-sync-interval": goDuration.optional(),
  exec: z.string().optional(),
  logging: loggingSchema.optional(),
});
