import { access, constants } from "node:fs/promises";
import type { AppSpec, HostConfig } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { check, type Check } from "../lib/check.js";
import { isLitefsApp } from "./paths.js";

/** What `litefs mount` needs on this host (docs/litefs.md): only when an app uses LiteFS. */
export async function litefsChecks(
  host: HostConfig,
  apps: readonly AppSpec[],
  run: Runner,
  uid: number | undefined,
): Promise<Check[]> {
  const names = apps.filter(isLitefsApp).map((a) => a.name);
  if (names.length === 0) return [];
  const litefs = host.litefs;
  if (!litefs)
    return [
      {
        name: "litefs",
        ok: false,
        detail: `${names.join(", ")} use LiteFS but hostctl.yml has no litefs: section (docs/litefs.md)`,
      },
    ];
  return [
    {
      name: "litefs",
      ok: true,
      detail: `node ${litefs.node}, role ${litefs.role}, ${litefs.lease} lease; apps: ${names.join(", ")}`,
    },
    {
      name: "litefs root",
      ok: uid === 0,
      detail:
        uid === 0
          ? "running as root (FUSE mounts)"
          : "LiteFS mounts FUSE file systems: run hostctl as root (the systemd unit does)",
    },
    await check("/dev/fuse", async () => {
      await access("/dev/fuse", constants.R_OK | constants.W_OK);
      return "present";
    }),
    await check(
      "fusermount3",
      async () => (await run("fusermount3", ["-V"], { timeoutMs: 10_000 })).stdout.trim() || "present",
    ),
    await check(`litefs binary (${litefs.binary})`, async () => {
      const out = await run(litefs.binary, ["version"], { timeoutMs: 10_000 });
      return `${out.stdout.trim()} (hostctl is tested with 0.5.14)`;
    }),
  ];
}
