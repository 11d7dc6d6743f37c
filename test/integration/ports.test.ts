import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

async function initHome(extra: string[] = []): Promise<{ home: string; init: Awaited<ReturnType<typeof runCli>> }> {
  const home = join(await tempDir(), "host");
  const init = await runCli(home, ["init", "--replica-url", `file://${await tempDir("replica")}`, ...extra]);
  return { home, init };
}

describe("ports", () => {
  it("app add without --port picks a free one, prints it and stores it, a different one per app", async () => {
    const { home, init } = await initHome();
    expect(init.exitCode, init.stderr).toBe(0);
    const ports: number[] = [];
    for (const name of ["one", "two"]) {
      const add = await runCli(home, ["app", "add", name, "--kind", "generic", "--repo", "/srv/x.git"]);
      expect(add.exitCode, add.stderr).toBe(0);
      const printed = Number(/port (\d+) \(picked: --port not given\)/.exec(add.stdout)?.[1]);
      const stored = (parse(await readFile(join(home, "apps", name, "app.yml"), "utf8")) as { port: number }).port;
      expect(stored).toBe(printed);
      ports.push(stored);
    }
    expect(ports[0]).toBeGreaterThanOrEqual(8001);
    expect(ports[1]).not.toBe(ports[0]);
  });

  it("init takes --internal-port-base, and refuses an internal range overlapping the metrics range, naming both", async () => {
    const ok = await initHome(["--internal-port-base", "21000", "--metrics-port-base", "20000", "--tls", "off"]);
    expect(ok.init.exitCode, ok.init.stderr).toBe(0);
    expect(await readFile(join(ok.home, "hostctl.yml"), "utf8")).toContain("internal_port_base: 21000");
    const clash = await initHome(["--internal-port-base", "20050", "--metrics-port-base", "20100", "--tls", "off"]);
    expect(clash.init.exitCode).toBe(2);
    expect(clash.init.stderr).toContain(
      "the apps' internal ports 20050-20249 (proxy.internal_port_base, two per app) overlap the Litestream metrics ports 20100-20199 (litestream.metrics_port_base, one per app)",
    );
  });
});
