import { firstLine } from "./errors.js";

/** One line of `hostctl doctor`: what was checked, whether it passed, and what was found (or what to do). */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Runs a probe: its answer is the detail of a passed check; what it throws, the first line of a failed one. */
export async function check(name: string, probe: () => Promise<string>): Promise<Check> {
  try {
    return { name, ok: true, detail: await probe() };
  } catch (error) {
    return { name, ok: false, detail: firstLine(error) };
  }
}
