import { describe, expect, it } from "vitest";
import { AppQueue } from "../../../src/supervisor/app-queue.js";
import { listeningInodes } from "../../../src/supervisor/port-owner.js";

describe("AppQueue", () => {
  it("runs one app's operations one at a time in arrival order, even when one fails", async () => {
    const queue = new AppQueue();
    const events: string[] = [];
    const op =
      (name: string, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      queue.run("blog", op("a")),
      queue.run("blog", op("b", true)),
      queue.run("blog", op("c")),
    ]);
    expect(events).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(queue.busy("blog")).toBe(false);
  });

  it("lets different apps run side by side", async () => {
    const queue = new AppQueue();
    let release: () => void = () => undefined;
    const blocked = queue.run("blog", () => new Promise<void>((resolve) => (release = resolve)));
    expect(await queue.run("shop", () => Promise.resolve("shop ran"))).toBe("shop ran");
    release();
    await blocked;
  });
});

describe("listeningInodes", () => {
  it("finds the LISTEN sockets of a port in /proc/net/tcp", () => {
    const table = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0",
      "   1: 0100007F:1F41 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1",
      "   2: 0100007F:1F42 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0",
    ].join("\n");
    expect(listeningInodes(table, 8001)).toEqual(["4242"]);
  });
});
