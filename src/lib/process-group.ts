/** Every supervised process and temporary web runs in its own group and is ended as a whole. */

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polled every 20 ms: a stop is part of every deploy's and restart's wall time. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !groupAlive(pgid);
}

/** False when there was no such group left to signal. */
export function killGroupNow(pgid: number): boolean {
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/** `signal` to the whole group, then SIGKILL after the grace period. */
export async function killGroup(pgid: number, graceMs: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  try {
    process.kill(-pgid, signal);
  } catch {
    return;
  }
  if (await waitGroupGone(pgid, graceMs)) return;
  if (killGroupNow(pgid)) await waitGroupGone(pgid, 5000);
}
