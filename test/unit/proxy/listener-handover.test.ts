import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureListenerHandover, readListenerHandover } from "../../../src/proxy/listener-handover.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function sysctl(value: string | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "handover-"));
  dirs.push(dir);
  const file = join(dir, "tcp_migrate_req");
  if (value !== undefined) await writeFile(file, value);
  return file;
}

describe("the listener handover (net.ipv4.tcp_migrate_req)", () => {
  it("turns it on when it is off, and says so", async () => {
    const file = await sysctl("0\n");
    const result = await ensureListenerHandover(file);
    expect(result.state).toBe("turned_on");
    expect(result.detail).toContain("/etc/sysctl.d/");
    expect((await readFile(file, "utf8")).trim()).toBe("1");
  });

  it("leaves it alone when it is on", async () => {
    const file = await sysctl("1\n");
    expect((await ensureListenerHandover(file)).state).toBe("on");
  });

  it("reads off without changing it, naming the command that fixes it", async () => {
    const file = await sysctl("0\n");
    const result = await readListenerHandover(file);
    expect(result).toMatchObject({ state: "off" });
    expect(result.detail).toContain("sysctl -w net.ipv4.tcp_migrate_req=1");
    expect((await readFile(file, "utf8")).trim()).toBe("0");
  });

  it("says the kernel lacks it when the sysctl does not exist", async () => {
    const file = await sysctl(undefined);
    expect((await ensureListenerHandover(file)).state).toBe("unsupported");
  });
});
