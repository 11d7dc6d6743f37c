import { readFileSync } from "node:fs";
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { INTERNAL_PORT_SPAN } from "../../src/config/rules.js";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The lowest port the kernel hands out for port 0, where freePort() picks the test apps' ports. */
const EPHEMERAL_LOW =
  Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;

/**
 * Test hosts run side by side on one machine: each gets its own range of Litestream metrics ports
 * (production hosts keep the default), or two hosts' Litestreams would fight over 127.0.0.1:9430. The
 * ranges lie below the ephemeral ports, so an app port from freePort() never falls into one (app add
 * refuses an app port inside the host's metrics range). Each vitest worker owns its own slice of
 * ranges and hands them out in turn from a random start: two hosts alive at once never share one
 * (random picks did, now and then, among the dozens of hosts one run creates).
 */
const RANGE_COUNT = Math.floor((EPHEMERAL_LOW - 10_000) / 100) - 1;
const WORKER_SLOTS = 4;
// HOSTCTL_TEST_SLOT_OFFSET moves a second run on the same machine (a developer's, beside CI) to other slices.
const worker =
  ((Number(process.env.VITEST_POOL_ID) || 1) + (Number(process.env.HOSTCTL_TEST_SLOT_OFFSET) || 0)) % WORKER_SLOTS;
const perWorker = Math.floor(RANGE_COUNT / WORKER_SLOTS);
let nextRange = Math.floor(Math.random() * perWorker);

/**
 * A base of `span` reserved ports (a multiple of 100) from this worker's ranges: a host's Litestream metrics
 * ports, or its proxy's internal ports (200). Both come from the one pool, so no two hosts alive at once, in
 * any worker, share a port there (internal ports picked at random among 45 bases did, now and then, and a
 * new release then found its internal port held by another test's process).
 */
export function reservedPortBase(span = 100): number {
  const slots = span / 100;
  let index = nextRange % perWorker;
  if (index + slots > perWorker) index = 0;
  nextRange = index + slots;
  return 10_000 + 100 * (worker * perWorker + index);
}

function metricsPortBase(): number {
  return reservedPortBase(100);
}

const PROXY_FLAGS = ["--http-port", "--https-port", "--tls", "--acme-email", "--proxy-bind", "--status-domain"];

function withMetricsPorts(args: string[]): string[] {
  if (args[0] !== "init") return args;
  const metrics = args.includes("--metrics-port-base") ? [] : ["--metrics-port-base", String(metricsPortBase())];
  // The default internal ports (18000) could overlap a metrics range from the pool, which init refuses.
  const proxy = args.some((a) => PROXY_FLAGS.includes(a)) && !args.includes("--internal-port-base");
  return [
    ...args,
    ...metrics,
    ...(proxy ? ["--internal-port-base", String(reservedPortBase(INTERNAL_PORT_SPAN))] : []),
  ];
}

/** Runs the built CLI as a user would: a subprocess, against a temp home. */
export async function runCli(
  home: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const result = await execa(process.execPath, [CLI, "--home", home, ...withMetricsPorts(args)], {
    reject: false,
    env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", ...options.env },
    input: options.input ?? "",
    timeout: options.timeoutMs ?? 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}
