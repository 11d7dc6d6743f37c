import { z } from "zod";

/** The `logging:` section, the same in Litestream 0.3.13 and 0.5.14. */
export const loggingSchema = z.strictObject({
  level: z.enum(["debug", "info", "warn", "error"]).optional(),
  type: z.enum(["text", "json"]).optional(),
  stderr: z.boolean().optional(),
});
