import { z } from "zod";

/** A LiteFS node name: what `.primary` holds on a replica and what `cluster status` shows. */
export const NODE_NAME = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;

const nodeName = (what: string) =>
  z
    .string()
    .regex(NODE_NAME, "expected a node name such as web-1 (lowercase letters, digits, '.' or '-')")
    .describe(what);
const baseUrl = (what: string) =>
  z
    .string()
    .regex(/^https?:\/\/[^\s/:]+(:\d{1,5})?$/, "expected http://HOST or http://HOST:PORT (no path)")
    .describe(what);
const portBase = (what: string) => z.number().int().min(1024).max(64000).describe(what);

/** Every node hosts the same LiteFS apps: an app's API port is port_base + its index by name. */
export const litefsHostSchema = z.strictObject({
  node: nodeName("this node's name in the cluster (the primary's name is what replicas read from <mount>/.primary)"),
  role: z
    .enum(["candidate", "replica"])
    .describe(
      "candidate: this node is the primary (writes, migrations, Litestream); replica: it follows the primary, serves reads and forwards writes",
    ),
  advertise: baseUrl(
    "how the other nodes reach this host's LiteFS APIs: http://ADDRESS (the port comes from port_base)",
  ),
  port_base: portBase(
    "first port of this host's LiteFS APIs (one per LiteFS app, in name order); listens on every interface so the other nodes can stream from it",
  ).default(20202),
  binary: z
    .string()
    .min(1)
    .default("litefs")
    .describe("the litefs binary (0.5.14): a path, or a name looked up on PATH"),
  lease: z
    .enum(["static", "consul"])
    .default("static")
    .describe(
      "static: the candidate is primary (failover by hostctl cluster promote); consul: LiteFS elects through the operator's Consul agent",
    ),
  consul: z
    .strictObject({
      url: baseUrl("the Consul agent's HTTP API (the agent is the operator's; hostctl does not run it)"),
      key: z
        .string()
        .regex(/^[\w./-]+$/, "expected a Consul key such as litefs/blog")
        .optional()
        .describe("Consul key of the lease (default: litefs/<app>)"),
      ttl: z
        .string()
        .regex(/^\d+(ms|s|m)$/, "expected a duration such as 10s")
        .default("10s")
        .describe("lease TTL: how long a dead primary holds the lease"),
    })
    .optional()
    .describe("Consul lease settings (lease: consul)"),
  primary: z
    .strictObject({
      node: nodeName("the primary's node name (its litefs.node)"),
      advertise: baseUrl("the primary's litefs.advertise"),
      port_base: portBase("the primary's litefs.port_base").default(20202),
      front_door: baseUrl(
        "the primary's front door (its Caddy), where this replica's front door sends requests that can write",
      ),
    })
    .optional()
    .describe("the primary, as seen from a replica (required with role replica and a static lease)"),
  front_doors: z
    .record(z.string().regex(NODE_NAME, "expected a node name"), baseUrl("that node's front door"))
    .default({})
    .describe(
      "every node's front door by node name: where a replica sends writes when <mount>/.primary names that node (primary.front_door counts for primary.node)",
    ),
  write_paths: z
    .array(z.string().regex(/^\/\S*$/, "expected a URL path prefix such as /admin/"))
    .default(["/admin/"])
    .describe(
      "on a replica, requests under these path prefixes go to the primary whatever their method (reads there see the newest data)",
    ),
});

export type LitefsHostConfig = z.infer<typeof litefsHostSchema>;
