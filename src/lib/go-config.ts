import { z } from "zod";

/** A Go time.Duration as Litestream and LiteFS parse it from YAML: "1s", "10m", "1h30m". */
export const goDuration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, "expected a Go duration such as 1s, 10m or 24h");

/** A config key hostctl never writes: credentials reach the Go tool through its environment. */
export const noCredentials = z
  .never({ error: "credentials must not be written to the config; they reach Litestream through its environment" })
  .optional();
