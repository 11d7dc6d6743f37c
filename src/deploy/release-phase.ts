import type { Runner } from "../lib/exec.js";
import { stderrTailOf } from "../lib/errors.js";
import type { PlannedCommand } from "./plan.js";
import { outputCollector, StepFailure } from "./steps.js";

export interface ReleasePhaseContext {
  cwd: string;
  env: Record<string, string>;
  progress: (line: string) => void;
}

const RELEASE_TIMEOUT_MS = 30 * 60_000;

/** Pure: an `alongside` command shares a group with the command before it. */
export function groupCommands(commands: readonly PlannedCommand[]): PlannedCommand[][] {
  const groups: PlannedCommand[][] = [];
  for (const command of commands) {
    const last = groups.at(-1);
    if (command.alongside && last) last.push(command);
    else groups.push([command]);
  }
  return groups;
}

/** A group's first command streams; others print when they end. The first failure in command
 * order fails the step. */
export async function runReleasePhase(
  run: Runner,
  commands: readonly PlannedCommand[],
  ctx: ReleasePhaseContext,
): Promise<void> {
  for (const group of groupCommands(commands)) {
    const collectors = group.map((command, i) => ({
      command,
      out: outputCollector(i === 0 ? ctx.progress : () => undefined),
    }));
    for (const { command } of collectors) ctx.progress(`       $ ${command.display}`);
    const results = await Promise.allSettled(
      collectors.map(({ command, out }) =>
        run(command.file, command.args, {
          cwd: ctx.cwd,
          env: ctx.env,
          cleanEnv: true,
          timeoutMs: RELEASE_TIMEOUT_MS,
          onOutput: out.onOutput,
        }),
      ),
    );
    collectors.forEach(({ command, out }, i) => {
      out.flush();
      if (i > 0 && out.text().trim() !== "") {
        ctx.progress(`       (${command.display})`);
        for (const line of out.text().trimEnd().split("\n")) ctx.progress(`       ${line}`);
      }
    });
    const failed = results.findIndex((r) => r.status === "rejected");
    const entry = collectors[failed];
    const result = results[failed];
    if (entry && result?.status === "rejected") {
      throw new StepFailure(
        "release",
        `${entry.command.display} failed`,
        entry.out.text() || stderrTailOf(result.reason),
        {
          cause: result.reason,
        },
      );
    }
  }
}
