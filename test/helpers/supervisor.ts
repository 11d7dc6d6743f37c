import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { CLI, runCli } from "./cli.js";
import { waitFor } from "./wait.js";
import { endStrays, killRecordedGroupsNow } from "../../src/supervisor/process-records.js";
import type { SupervisorStatus } from "../../src/supervisor/control-protocol.js";

export interface RunningSupervisor {
  child: ResultPromise;
  logFile: string;
  /** Sends a signal and waits for the supervisor to exit; resolves its exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | undefined>;
  log: () => Promise<string>;
}

const running = new Set<{ home: string; child: ResultPromise }>();

/** Starts `hostctl up` as a real subprocess; its JSON log goes to a file the test can read. */
export async function startSupervisor(
  home: string,
  env: Record<string, string> = {},
  logFile = join(home, `up-${Date.now()}.log`),
  args: string[] = [],
  /** A program that execs the supervisor (`prlimit --nofile=400:400 --`), so the child is the supervisor. */
  prefix: string[] = [],
): Promise<RunningSupervisor> {
  const out = createWriteStream(logFile, { flags: "a" });
  await new Promise((resolve) => out.once("open", resolve));
  const [file = process.execPath, ...prefixArgs] = [...prefix, process.execPath];
  const child = execa(file, [...prefixArgs, CLI, "--home", home, "up", ...args], {
    env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", HOSTCTL_STOP_GRACE_MS: "5000", ...env },
    reject: false,
    // A graceful stop may take longer than execa's default 5 s before it SIGKILLs (waiting for Litestream's
    // first sync, a boot in progress): the supervisor must get to finish it.
    forceKillAfterDelay: false,
    stdin: "ignore",
    stdout: out,
    stderr: out,
  });
  const entry = { home, child };
  running.add(entry);
  return {
    child,
    logFile,
    log: () => readFile(logFile, "utf8"),
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      const result = await child;
      running.delete(entry);
      out.end();
      return result.exitCode;
    },
  };
}

/** `hostctl status --json` of a home, as an operator runs it (the supervisor's answer, or what is on disk). */
export async function hostStatus<T extends object = SupervisorStatus>(home: string): Promise<T> {
  const result = await runCli(home, ["status", "--json"]);
  if (result.exitCode !== 0) throw new Error(`hostctl status exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Whether the home's supervisor runs exactly `count` apps, all of them `running`. */
export async function appsRunning(home: string, count: number): Promise<boolean> {
  const status = await hostStatus(home);
  return status.apps.length === count && status.apps.every((app) => app.state === "running");
}

/**
 * Waits until the home's app (its first, or `app`) is running. On a timeout the error carries what a
 * reader needs to tell why: the app's last state and reason, and the tail of the supervisor's log.
 */
export async function waitAppRunning(
  home: string,
  sup: RunningSupervisor,
  timeoutMs: number,
  app?: string,
): Promise<void> {
  let last: SupervisorStatus["apps"][number] | undefined;
  try {
    await waitFor(
      `${app ?? "the app"} running`,
      async () => {
        const apps = (await hostStatus(home)).apps;
        last = app === undefined ? apps[0] : apps.find((a) => a.name === app);
        return last?.state === "running";
      },
      timeoutMs,
    );
  } catch (error) {
    const tail = (await sup.log()).split("\n").slice(-30).join("\n");
    throw new Error(`${String(error)}; last state ${last?.state ?? "none"}: ${last?.reason ?? "-"}\n${tail}`);
  }
}

export async function waitForSocket(home: string): Promise<void> {
  const { controlRequest } = await import("../../src/supervisor/control-client.js");
  const { hostPaths } = await import("../../src/config/paths.js");
  await waitFor(
    "the control socket",
    async () => (await controlRequest(hostPaths(home), "GET", "/status", undefined, 2000)) !== undefined,
    20_000,
  );
}

/** afterAll: SIGKILL every supervisor still running, then end the app processes it left (from run/pids). */
export async function killAllSupervisors(): Promise<void> {
  for (const entry of running) {
    entry.child.kill("SIGKILL");
    await entry.child.catch(() => undefined);
    await endStrays(join(entry.home, "run", "pids"), 2000);
  }
  running.clear();
}

export async function endLeftovers(home: string): Promise<void> {
  await endStrays(join(home, "run", "pids"), 2000);
}

/**
 * Simulates losing the machine: SIGKILL to the supervisor and, at the same instant, to every process group
 * it recorded (no process gets a chance to flush anything, Litestream included).
 */
export async function killHost(home: string, sup: RunningSupervisor): Promise<void> {
  sup.child.kill("SIGKILL");
  await killRecordedGroupsNow(join(home, "run", "pids"));
  await sup.stop("SIGKILL");
}
