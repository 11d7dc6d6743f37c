import { firstLine } from "./errors.js";

/** One line of `hostctl doctor`: what was checked, whether it passed, what was found or to do. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The probe's answer is a passed check's detail; the first line of what it throws, a failure's. */
export async function check(name: string, probe: () => Promise<string>): Promise<Check> {
  try {
    return { name, ok: true, detail: await probe() };
  } catch (error) {
    return { name, ok: false, detail: firstLine(error) };
  }
}
