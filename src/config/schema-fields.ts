import { z } from "zod";
import { validate as isValidCron } from "node-cron";
import { parseDuration } from "../lib/duration.js";

// Zero is refused: a 0s sync interval panics Litestream, a 0s poll would silently mean "off".
export const duration = (what: string) =>
  z
    .string()
    .refine((v) => (parseDuration(v) ?? 0) > 0, {
      message: "expected a duration above zero such as 500ms, 1s, 5m, 24h or 7d",
    })
    .describe(what);

export const cron = (what: string) =>
  z
    .string()
    .refine((v) => isValidCron(v), { message: 'expected a cron expression such as "17 3 * * *"' })
    .describe(what);

export const httpUrl = (what: string) =>
  z
    .string()
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "expected an http:// or https:// URL" })
    .describe(what);

export const port = (what: string) => z.number().int().min(1).max(65535).describe(what);

export const alerts = z.strictObject({
  webhook: httpUrl("POST the drill result as JSON here when a drill fails (and on recovery)").optional(),
  ping_url: httpUrl("healthchecks-style dead man's switch: GET on success, GET URL/fail on failure").optional(),
});

export const refuseWith = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message !== undefined) ctx.addIssue({ code: "custom", message });
};

export const hasControlCharacter = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
