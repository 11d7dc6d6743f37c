import { HostctlError, errorMessage } from "../lib/errors.js";
import { tail } from "../lib/exec.js";
import type { StepName } from "./plan.js";

export interface StepRecord {
  name: StepName;
  ms: number;
  detail?: string;
}

/** A step that failed: what the user reads is the step's name and the tail of its output. */
export class StepFailure extends Error {
  constructor(
    readonly step: StepName,
    message: string,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StepFailure";
  }
}

/** Collects a command's output (for the failure tail) and streams it, line by line, to progress. */
export function outputCollector(
  progress: (line: string) => void,
  indent = "       ",
): { onOutput: (chunk: string) => void; text: () => string; flush: () => void } {
  let all = "";
  let partial = "";
  const onOutput = (chunk: string): void => {
    all = (all + chunk).slice(-64 * 1024);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) progress(`${indent}${line}`);
  };
  const flush = (): void => {
    if (partial !== "") progress(`${indent}${partial}`);
    partial = "";
  };
  return { onOutput, text: () => all, flush };
}

export function formatStep(record: StepRecord): string {
  return `-----> ${record.name.padEnd(9)} ${(record.ms / 1000).toFixed(2).padStart(6)}s${record.detail ? `  ${record.detail}` : ""}`;
}

/** Runs one step, timing it and printing it; any error becomes a StepFailure naming the step. */
export async function runStep(
  name: StepName,
  records: StepRecord[],
  progress: (line: string) => void,
  body: () => Promise<string | undefined>,
): Promise<void> {
  const started = Date.now();
  try {
    const detail = await body();
    const record: StepRecord = { name, ms: Date.now() - started, ...(detail ? { detail } : {}) };
    records.push(record);
    progress(formatStep(record));
  } catch (error) {
    const ms = Date.now() - started;
    progress(`-----> ${name.padEnd(9)} ${(ms / 1000).toFixed(2).padStart(6)}s  FAILED`);
    if (error instanceof StepFailure || (error instanceof HostctlError && error.exitCode === 2)) throw error;
    const output = error instanceof HostctlError && "stderrTail" in error ? String(error.stderrTail) : "";
    throw new StepFailure(name, firstLine(errorMessage(error)), output, { cause: error });
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

export function failureMessage(app: string, failure: StepFailure): string {
  const out = tail(failure.output);
  return `deploy of ${app} failed at step "${failure.step}": ${failure.message}${out ? `\n${out}` : ""}`;
}
