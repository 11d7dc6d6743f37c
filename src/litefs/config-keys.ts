import { z } from "zod";
import { goDuration } from "../lib/go-config.js";

// LiteFS 0.5.14 treats unknown keys as fatal at mount (cmd/litefs/config.go), so a typo is
// refused here with file:line before anything is written.
const absolute = z.string().startsWith("/", "expected an absolute path");
const url = z.string().regex(/^https?:\/\/\S+$/, "expected an http:// or https:// URL");

const exec = z.union([
  z.string(),
  z.array(z.strictObject({ cmd: z.string(), "if-candidate": z.boolean().optional() })),
]);

const leaseSchema = z
  .strictObject({
    type: z.enum(["static", "consul"], { error: "expected static or consul" }),
    hostname: z.string().min(1, "expected the primary's node name"),
    "advertise-url": url,
    candidate: z.boolean(),
    promote: z.boolean().optional(),
    "reconnect-delay": goDuration.optional(),
    "demote-delay": goDuration.optional(),
    databases: z.array(z.string()).optional(),
    consul: z
      .strictObject({
        url: url.optional(),
        key: z.string().optional(),
        ttl: goDuration.optional(),
        "lock-delay": goDuration.optional(),
      })
      .optional(),
  })
  .superRefine((lease, ctx) => {
    if (lease.type === "consul" && !lease.consul?.url)
      ctx.addIssue({
        code: "custom",
        path: ["consul", "url"],
        message: "expected the Consul agent's URL (lease.type is consul)",
      });
    if (lease.type === "consul" && !lease.consul?.key)
      ctx.addIssue({
        code: "custom",
        path: ["consul", "key"],
        message: "expected a Consul key (lease.type is consul)",
      });
    if (lease.candidate && lease.databases !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["databases"],
        message: "LiteFS refuses a database filter on a candidate node",
      });
  });

export const litefsConfigSchema = z
  .strictObject({
    "exit-on-error": z.boolean().optional(),
    "skip-sync": z.boolean().optional(),
    "strict-verify": z.boolean().optional(),
    exec: exec.optional(),
    data: z.strictObject({
      dir: absolute,
      compress: z.boolean().optional(),
      retention: goDuration.optional(),
      "retention-monitor-interval": goDuration.optional(),
    }),
    fuse: z.strictObject({
      dir: absolute,
      "allow-other": z.boolean().optional(),
      debug: z.boolean().optional(),
    }),
    http: z.strictObject({
      addr: z.string().regex(/^[\w.[\]:-]*:\d{1,5}$/, "expected ADDRESS:PORT or :PORT"),
      "snapshot-timeout": goDuration.optional(),
    }),
    // LiteFS's proxy forwards writes only via Fly's fly-replay header; our front door routes them.
    proxy: z
      .never({
        error:
          "LiteFS's proxy forwards writes only on Fly (fly-replay); hostctl's front door routes writes to the primary",
      })
      .optional(),
    lease: leaseSchema,
    backup: z
      .never({ error: "LiteFS backups (LiteFS Cloud) are gone; hostctl backs up with Litestream on the primary" })
      .optional(),
    log: z
      .strictObject({
        format: z.enum(["text", "json"]).optional(),
        timestamp: z.boolean().optional(),
        debug: z.boolean().optional(),
      })
      .optional(),
    tracing: z
      .strictObject({
        enabled: z.boolean().optional(),
        path: z.string().optional(),
        "max-size": z.number().int().optional(),
        "max-count": z.number().int().optional(),
        compress: z.boolean().optional(),
      })
      .optional(),
  })
  .refine((c) => c.fuse.dir !== c.data.dir, {
    path: ["data", "dir"],
    message: "expected data.dir to differ from fuse.dir (LiteFS refuses the same path)",
  });

export type LitefsConfig = z.infer<typeof litefsConfigSchema>;
