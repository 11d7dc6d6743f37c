import { z } from "zod";
import { HOSTNAME, HOSTNAME_RULE } from "./app-schema.js";

/** The read-only status page the supervisor serves through the front door (docs/status-page.md). */
export const statusPageSchema = z
  .strictObject({
    domain: z
      .string()
      .regex(HOSTNAME, `expected ${HOSTNAME_RULE}`)
      .describe("host name the status page is served on (HTTPS like any app)"),
    password_hash: z
      .string()
      .regex(/^scrypt\$/, "expected a hash written by hostctl status-page passwd")
      .optional()
      .describe(
        "scrypt hash of the page's password (set it with: hostctl status-page passwd); absent: nobody can log in",
      ),
    token_hash: z
      .string()
      .regex(/^sha256\$[0-9a-f]{64}$/, "expected a hash written by hostctl status-page token")
      .optional()
      .describe("SHA-256 of the bearer token that reads /api/status (set it with: hostctl status-page token)"),
  })
  .describe("the status page: apps, replication lag and drills over time, deploys, jobs, the host");

export type StatusPageConfig = z.infer<typeof statusPageSchema>;
