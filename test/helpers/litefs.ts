import { appendFile, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { litefsBinary } from "./tools.js";
import { mountPoints } from "../../src/litefs/mounts.js";

export interface LitefsNodeOptions {
  node: string;
  role: "candidate" | "replica";
  portBase: number;
  primary?: { node: string; portBase: number; frontDoor: string };
  writePaths?: string[];
}

/** Appends a litefs: section to a test home's hostctl.yml (everything on loopback, the built litefs binary). */
export async function addLitefsSection(home: string, o: LitefsNodeOptions): Promise<void> {
  const lines = [
    "litefs:",
    `  node: ${o.node}`,
    `  role: ${o.role}`,
    "  advertise: http://127.0.0.1",
    `  port_base: ${o.portBase}`,
    `  binary: ${litefsBinary()}`,
    ...(o.writePaths ? ["  write_paths:", ...o.writePaths.map((p) => `    - ${p}`)] : []),
    ...(o.primary
      ? [
          "  primary:",
          `    node: ${o.primary.node}`,
          "    advertise: http://127.0.0.1",
          `    port_base: ${o.primary.portBase}`,
          `    front_door: ${o.primary.frontDoor}`,
        ]
      : []),
  ];
  await appendFile(join(home, "hostctl.yml"), `${lines.join("\n")}\n`);
}

/** FUSE mounts under a directory still mounted (a SIGKILLed litefs leaves its mount behind). */
export async function mountsUnder(dir: string): Promise<string[]> {
  return mountPoints(await readFile("/proc/self/mountinfo", "utf8")).filter((point) => point.startsWith(`${dir}/`));
}

/** afterAll/afterEach: unmounts whatever LiteFS left mounted under a test directory (lazily, so busy mounts go too). */
export async function unmountAll(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    await execa("fusermount3", ["-u", "-z", point], { reject: false });
  }
}

/** `hostctl init` with a plain-HTTP front door (Caddy) on loopback: apps without domains are served on their own port. */
export async function initWithPlainFrontDoor(
  home: string,
  extra: string[],
  env: Record<string, string>,
): Promise<void> {
  const { reservedPortBase, runCli } = await import("./cli.js");
  const { INTERNAL_PORT_SPAN } = await import("../../src/config/rules.js");
  const { freePort } = await import("./apps.js");
  const { caddyBinary } = await import("./tools.js");
  const { parseDocument } = await import("yaml");
  const { writeFile } = await import("node:fs/promises");
  const init = await runCli(
    home,
    [
      "init",
      ...extra,
      "--tls",
      "off",
      "--http-port",
      String(await freePort()),
      "--https-port",
      String(await freePort()),
      "--proxy-bind",
      "127.0.0.1",
    ],
    { env },
  );
  if (init.exitCode !== 0) throw new Error(`init failed: ${init.stderr}`);
  const file = join(home, "hostctl.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.setIn(["proxy", "internal_port_base"], reservedPortBase(INTERNAL_PORT_SPAN));
  doc.setIn(["proxy", "caddy"], caddyBinary());
  await writeFile(file, doc.toString());
}

/** Pids of the processes whose command line names the file (a `litefs mount -config FILE` still alive). */
export async function processesNaming(file: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").includes(file)) pids.push(Number(entry));
  }
  return pids;
}
