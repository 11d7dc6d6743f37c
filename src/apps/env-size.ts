// The kernel caps each `KEY=VALUE` at 128 KiB and argv plus env at a quarter of the stack; the app
// gets half of that so hostctl's variables and the command line always fit.
export const ENV_ENTRY_MAX_BYTES = 128 * 1024;
export const ENV_TOTAL_MAX_BYTES = 1024 * 1024;

/** Pure: why the kernel would refuse to start a process with `env` (spawn E2BIG), or undefined. */
export function envSizeProblem(env: Readonly<Record<string, string>>): string | undefined {
  let total = 0;
  for (const [key, value] of Object.entries(env)) {
    // "KEY=VALUE" and its terminating NUL, as the kernel counts it.
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value) + 2;
    if (bytes > ENV_ENTRY_MAX_BYTES)
      return `variable ${key} is ${kib(bytes)} KiB; one variable may hold at most 128 KiB (a larger one cannot be passed to a process: spawn E2BIG)`;
    total += bytes;
  }
  if (total > ENV_TOTAL_MAX_BYTES)
    return `the app's variables total ${kib(total)} KiB; at most 1024 KiB fit beside hostctl's own (more cannot be passed to a process: spawn E2BIG)`;
  return undefined;
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}
