import { z } from "zod";
import { duration, port } from "./schema-fields.js";
import { statusPageSchema } from "./status-page-schema.js";

export const proxySchema = z
  .strictObject({
    http_port: port("port Caddy serves plain HTTP on (redirects to HTTPS unless tls is off)").default(80),
    https_port: port("port Caddy serves HTTPS on").default(443),
    tls: z
      .enum(["acme", "internal", "off"])
      .default("acme")
      .describe(
        "acme: certificates from Let's Encrypt/ZeroSSL; internal: from Caddy's local CA (staging, tests); off: plain HTTP",
      ),
    acme_email: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "expected an e-mail address")
      .optional()
      .describe("contact address given to the ACME CA (expiry notices)"),
    bind: z
      .string()
      .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/, "expected an IP address such as 127.0.0.1")
      .optional()
      .describe("address the HTTP/HTTPS ports listen on (default: every interface)"),
    caddy: z.string().min(1).default("caddy").describe("the caddy binary: a path, or a name looked up on PATH"),
    internal_port_base: z
      .number()
      .int()
      .min(1024)
      .max(64000)
      .default(18000)
      .describe("first loopback port of the apps' internal (blue/green) ports: two per app"),
    max_body: z
      .string()
      .regex(/^\d+(kb|mb|gb)?$/i, "expected a size such as 50mb")
      .default("50mb")
      .describe("largest request body the proxy accepts (buffered so a POST survives a switch)"),
    graceful_timeout: duration("how long an old release's web process may drain its requests after a switch").default(
      "30s",
    ),
    require_loopback: z
      .boolean()
      .default(false)
      .describe(
        "refuse a release whose web process listens on more than loopback on its internal port (e.g. uwsgi's http-socket = :$(PORT)); false: a warning",
      ),
    try_duration: duration("how long the proxy holds a request while no upstream answers").default("10s"),
    status: statusPageSchema.optional(),
  })
  .refine((p) => p.http_port !== p.https_port, {
    message: "expected https_port to differ from http_port",
    path: ["https_port"],
  })
  .describe("front door settings");

export type ProxyConfig = z.infer<typeof proxySchema>;
