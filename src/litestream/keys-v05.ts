import { z } from "zod";
import { goDuration, noCredentials } from "../lib/go-config.js";
import { loggingSchema } from "./keys-logging.js";

// Litestream 0.5.14 reads its YAML with unknown keys ignored too: these are the keys it knows (from its
// cmd/litestream/main.go Config, DBConfig and ReplicaConfig), so anything else in a rendered config is a typo.

const replicaSchema = z.strictObject({
  type: z.enum(["file", "s3", "gs", "abs", "sftp", "nats", "oss", "webdav"]).optional(),
  path: z.string().optional(),
  url: z.string().optional(),
  "sync-interval": goDuration.optional(),
  "validation-interval": goDuration.optional(),
  "auto-recover": z.boolean().optional(),
  "access-key-id": noCredentials,
  "secret-access-key": noCredentials,
  region: z.string().optional(),
  bucket: z.string().optional(),
  endpoint: z.string().optional(),
  "force-path-style": z.boolean().optional(),
  "sign-payload": z.boolean().optional(),
  "require-content-md5": z.boolean().optional(),
  "skip-verify": z.boolean().optional(),
  "storage-class": z.string().optional(),
  "part-size": z.union([z.string(), z.number()]).optional(),
  concurrency: z.number().int().optional(),
  "sse-kms-key-id": z.string().optional(),
  "account-name": z.string().optional(),
  host: z.string().optional(),
  user: z.string().optional(),
  "key-path": z.string().optional(),
  age: z.strictObject({ identities: z.array(z.string()).optional(), recipients: z.array(z.string()).optional() }).optional(),
});

const snapshotSchema = z.strictObject({ interval: goDuration.optional(), retention: goDuration.optional() });

const dbSchema = z.strictObject({
  path: z.string().startsWith("/", "expected an absolute path"),
  "meta-path": z.string().optional(),
  "monitor-interval": goDuration.optional(),
  "checkpoint-interval": goDuration.optional(),
  "busy-timeout": goDuration.optional(),
  "min-checkpoint-page-count": z.number().int().optional(),
  "truncate-page-n": z.number().int().optional(),
  snapshot: snapshotSchema.optional(),
  // hostctl restores on boot itself, fail-closed: Litestream's own restore-on-start would bypass that.
  "restore-if-db-not-exists": z
    .literal(false, { error: "hostctl restores on boot itself (fail-closed); leave restore-if-db-not-exists out" })
    .optional(),
  replica: replicaSchema,
  replicas: z.never({ error: "Litestream 0.5 takes one `replica:` per database (`replicas:` is the 0.3 form)" }).optional(),
});

export const litestreamConfigSchemaV05 = z.strictObject({
  addr: z
    .string()
    .regex(/^127\.0\.0\.1:\d{1,5}$/, 'expected 127.0.0.1:PORT (":PORT" listens on every interface and exposes pprof)')
    .optional(),
  dbs: z.array(dbSchema).min(1, "expected at least one database"),
  "sync-interval": goDuration.optional(),
  snapshot: snapshotSchema.optional(),
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
