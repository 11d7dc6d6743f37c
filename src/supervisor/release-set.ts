import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { AppPaths } from "../config/paths.js";
import { shellArgs } from "../apps/process-env.js";
import { stopSignalOf } from "../apps/stop-signal.js";
import type { ProcessStatus } from "./control-protocol.js";
import { SupervisedProcess, type ChildDeps, type ProcessState } from "./supervised-process.js";

export interface ReleaseSetInput {
  spec: AppSpec;
  paths: AppPaths;
  releaseDir: string;
  /** The loopback port its web process binds ($PORT). */
  port: number;
  processes: Record<string, string>;
  env: Record<string, string>;
  /** Behind the proxy two sets of one app may run at once: their records must not collide. */
  blueGreen: boolean;
}

// What a blue/green switch starts beside the live set, checks, makes live, then drains and stops.
export class ReleaseProcessSet {
  private readonly processes = new Map<string, SupervisedProcess>();
  private stopping = false;
  private starting: Promise<void> | undefined;

  constructor(
    readonly releaseDir: string,
    readonly port: number,
  ) {}

  /** Starts every process; `cancelled` is asked between starts (a stop arrived meanwhile). */
  async start(input: ReleaseSetInput, deps: ChildDeps, onChange: () => void, cancelled: () => boolean): Promise<void> {
    this.starting = this.startEach(input, deps, onChange, () => this.stopping || cancelled());
    await this.starting;
  }

  get hasWeb(): boolean {
    return this.processes.has("web");
  }

  /** The web process's pid (it leads its own process group), while it runs. */
  get webPid(): number | undefined {
    return this.processes.get("web")?.status().pid;
  }

  get size(): number {
    return this.processes.size;
  }

  states(): ProcessState[] {
    return [...this.processes.values()].map((p) => p.state);
  }

  status(): ProcessStatus[] {
    return [...this.processes.values()].map((p) => p.status());
  }

  /** Why a release failed its health check: the web's last output, else any process's. */
  outputTail(): string {
    const web = this.processes.get("web") ?? [...this.processes.values()][0];
    return web?.outputTail() ?? "";
  }

  // Workers stop at once; the web gets its stop signal and `drainMs` to finish requests accepted
  // before the switch, then SIGKILL.
  async stop(drainMs?: number): Promise<void> {
    // A start in flight starts nothing further; the process it is starting is in the map.
    this.stopping = true;
    await Promise.all([...this.processes.entries()].map(([type, p]) => p.stop(type === "web" ? drainMs : undefined)));
    await this.starting?.catch(() => undefined);
    this.processes.clear();
  }

  private async startEach(
    input: ReleaseSetInput,
    deps: ChildDeps,
    onChange: () => void,
    cancelled: () => boolean,
  ): Promise<void> {
    for (const [type, command] of Object.entries(input.processes)) {
      if (cancelled()) break;
      const [file, args] = shellArgs(command);
      const child = new SupervisedProcess(
        {
          app: input.spec.name,
          type,
          file,
          args,
          cwd: input.releaseDir,
          env: input.env,
          logPath: join(input.paths.logs, `${type}.log`),
          display: command,
          stopSignal: stopSignalOf(input.spec, type, command),
          ...(input.blueGreen ? { recordKey: `${type}.${input.port}` } : {}),
        },
        deps,
        onChange,
      );
      this.processes.set(type, child);
      await child.start();
    }
  }
}
