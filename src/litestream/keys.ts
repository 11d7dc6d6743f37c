import { z } from "zod";
import { goDuration, noCredentials } from "../lib/go-config.js";
import { loggingSchema } from "./keys-logging.js";

// Litestream 0.3.13 reads its YAML with unknown keys ignored; these are the keys it knows, so anything
// else in a rendered config is a typo that would silently change behaviour.

const replicaSchema = z.strictObject({
  type: z.enum(["file", "s3", "gcs", "abs", "sftp"]).optional(),
  name: z.string().optional(),
  path: z.string().optional(),
  url: z.string().optional(),
  retention: goDuration.optional(),
  "retention-check-interval": goDuration.optional(),
  "sync-interval": goDuration.optional(),
  "snapshot-interval": goDuration.optional(),
  "validation-interval": goDuration.optional(),
  "access-key-id": noCredentials,
  "secret-access-key": noCredentials,
  region: z.string().optional(),
  bucket: z.string().optional(),
  endpoint: z.string().optional(),
  "force-path-style": z.boolean().optional(),
  "skip-verify": z.boolean().optional(),
  "account-name": z.string().optional(),
  "account-key": z.string().optional(),
  host: z.string().optional(),
  user: z.string().optional(),
  password: z.string().optional(),
  "key-path": z.string().optional(),
  age: z.strictObject({ identities: z.array(z.string()).optional(), recipients: z.array(z.string()).optional() }).optional(),
});

const dbSchema = z.strictObject({
  path: z.string().startsWith("/", "expected an absolute path"),
  "meta-path": z.string().optional(),
  "monitor-interval": goDuration.optional(),
  "checkpoint-interval": goDuration.optional(),
  "min-checkpoint-page-count": z.number().int().optional(),
  "max-checkpoint-page-count": z.number().int().optional(),
  replicas: z.array(replicaSchema).min(1, "expected at least one replica"),
});

export const litestreamConfigSchema = z.strictObject({
  addr: z
    .string()
    .regex(/^127\.0\.0\.1:\d{1,5}$/, 'expected 127.0.0.1:PORT (":PORT" listens on every interface and exposes pprof)')
    .optional(),
  dbs: z.array(dbSchema).min(1, "expected at least one database"),
  exec: z.string().optional(),
  "access-key-id": z.never({ error: "credentials must not be written to the config" }).optional(),
  "secret-access-key": z.never({ error: "credentials must not be written to the config" }).optional(),
  logging: loggingSchema.optional(),
});

export type LitestreamConfig = z.infer<typeof litestreamConfigSchema>;
