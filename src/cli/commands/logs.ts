import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { requireApp } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { usageError } from "../../lib/errors.js";

async function tailBytes(file: string, maxBytes: number): Promise<{ text: string; size: number }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return { text: buffer.toString(), size };
  } finally {
    await handle.close();
  }
}

function lastLines(text: string, lines: number): string {
  return text
    .split("\n")
    .slice(-(lines + 1))
    .join("\n");
}

export interface LogsOptions {
  process?: string;
  lines?: string;
  follow?: boolean;
}

/** Tail of apps/<app>/logs/<process>.log (all processes when none is named); -f follows. */
export async function logs(
  name: string,
  options: LogsOptions,
  deps: Deps,
  signal?: AbortSignal,
): Promise<CommandResult> {
  await requireApp(deps.paths, name);
  const dir = appPaths(deps.paths, name).logs;
  const text = options.lines ?? "100";
  // Number() reads "" as 0 and "0x10" as 16: only plain digits are a line count.
  if (!/^\d{1,9}$/.test(text)) throw usageError(`argument --lines "${text}": expected a whole number such as 100`);
  const lines = Number(text);
  const available = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith(".log"))
    .map((f) => f.slice(0, -4))
    .sort();
  // Litestream's chatter has its own file and is shown only when asked for (--process litestream).
  const wanted = options.process ? [options.process] : available.filter((p) => p !== "litestream");
  if (options.process && !available.includes(options.process)) {
    throw usageError(
      `no log for process "${options.process}" of ${name} (have: ${available.join(", ") || "none yet"})`,
    );
  }
  const out: string[] = [];
  const sizes = new Map<string, number>();
  for (const proc of wanted) {
    const file = join(dir, `${proc}.log`);
    const { text, size } = await tailBytes(file, 256 * 1024);
    sizes.set(file, size);
    out.push(...(wanted.length > 1 ? [`==> ${proc} <==`] : []), lastLines(text, lines).replace(/\n$/, ""));
  }
  if (!options.follow) return { text: out.join("\n"), data: { app: name, processes: wanted } };
  process.stdout.write(`${out.join("\n")}\n`);
  // Follow by polling sizes: works across rotation (a smaller file means it was rotated).
  while (!signal?.aborted) {
    await deps.clock.sleep(500, signal);
    for (const [file, seen] of sizes) {
      const size = (await stat(file).catch(() => undefined))?.size ?? 0;
      if (size === seen) continue;
      const from = size < seen ? 0 : seen;
      const handle = await open(file, "r");
      const buffer = Buffer.alloc(size - from);
      await handle.read(buffer, 0, buffer.length, from);
      await handle.close();
      process.stdout.write(buffer);
      sizes.set(file, size);
    }
  }
  return { text: "" };
}
