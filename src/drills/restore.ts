import { rm, stat } from "node:fs/promises";
import { engineOf } from "../litestream/select.js";
import type { HostContext } from "../host/context.js";
import { CommandFailedError, errorMessage } from "../lib/errors.js";
import { litestreamEnv } from "../s3/credentials.js";

export type RestoreOutcome =
  | { ok: true; generation: string | null; ms: number; bytes: number }
  | { ok: false; noReplica: boolean; error: string; ms: number };

const RESTORE_TIMEOUT_MS = 6 * 3_600_000;

/** Pure: the `error="…"` of Litestream's last log line, else the last line. */
export function litestreamError(output: string): string {
  const quoted = [...output.matchAll(/error="((?:[^"\\]|\\.)*)"/g)].pop()?.[1];
  if (quoted !== undefined) return quoted.replaceAll('\\"', '"').replaceAll("\\n", " ");
  return output.trim().split("\n").pop() ?? "";
}

/** Pure: the generation Litestream restored from, as its log names it. */
export function restoredGeneration(output: string): string | null {
  return /generation=([0-9a-f]{16})\b/.exec(output)?.[1] ?? null;
}

/** The real binary, never -if-replica-exists. */
export async function restoreReplica(
  ctx: HostContext,
  configPath: string,
  dbPath: string,
  outputPath: string,
  signal?: AbortSignal,
): Promise<RestoreOutcome> {
  const started = performance.now();
  try {
    const { stderr, stdout } = await ctx.run(
      ctx.litestream,
      engineOf(ctx).restoreArgs({ configPath, dbPath, outputPath }),
      {
        env: litestreamEnv(ctx.credentials),
        cleanEnv: true,
        timeoutMs: RESTORE_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      },
    );
    const ms = Math.round(performance.now() - started);
    // 0.3.13 leaves its temporary WAL and SHM beside the output.
    await Promise.all(
      engineOf(ctx)
        .restoreLeftovers(outputPath)
        .map((file) => rm(file, { force: true })),
    );
    return {
      ok: true,
      generation: engineOf(ctx).restoredFrom(`${stderr}\n${stdout}`),
      ms,
      bytes: (await stat(outputPath)).size,
    };
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    const text = error instanceof CommandFailedError ? litestreamError(error.stderrTail) : errorMessage(error);
    return { ok: false, noReplica: engineOf(ctx).isNoBackup(text), error: text, ms };
  }
}
