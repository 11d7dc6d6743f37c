import { describe, expect, it } from "vitest";
import { CaddyWatch, DEFAULT_WATCH, probeAddress } from "../../../src/proxy/caddy-watch.js";
import { createLogger } from "../../../src/lib/log.js";
import { FakeClock } from "../../helpers/fake-clock.js";

/** A watch over a Caddy whose answers the test sets; kills are recorded (the pid changes, as after a restart). */
function watched() {
  const clock = new FakeClock(0);
  const state = { pid: 100 as number | undefined, answers: true, killed: [] as number[] };
  const watch = new CaddyWatch({
    clock,
    log: createLogger("silent", { write: () => undefined }),
    probe: () => Promise.resolve(state.answers ? undefined : "admin API: no answer within 2000 ms"),
    pid: () => state.pid,
    kill: (pid) => {
      state.killed.push(pid);
      state.pid = undefined;
    },
    options: DEFAULT_WATCH,
  });
  const tick = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      await clock.advance(DEFAULT_WATCH.intervalMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { watch, state, tick };
}

describe("the front door's watch (caddy-watch.ts)", () => {
  it("kills a Caddy that answered once and then missed three probes in a row, and says so in status", async () => {
    const { watch, state, tick } = watched();
    watch.start();
    await tick();
    state.answers = false;
    await tick(2);
    expect(watch.status()).toMatchObject({ unanswered_probes: 2, stall_restarts: 0 });
    expect(state.killed).toEqual([]);
    await tick();
    expect(state.killed).toEqual([100]);
    expect(watch.status()).toMatchObject({
      unanswered_probes: 0,
      stall_restarts: 1,
      last_stall_restart_at: new Date(20_000).toISOString(),
    });
    await watch.stop();
  });

  it("gives a Caddy that has not answered yet its start grace, and one answer resets the count", async () => {
    const { watch, state, tick } = watched();
    state.answers = false;
    watch.start();
    await tick(3);
    expect(state.killed).toEqual([]);
    state.answers = true;
    await tick();
    state.answers = false;
    await tick(2);
    state.answers = true;
    await tick();
    expect(watch.status()).toMatchObject({ unanswered_probes: 0, stall_restarts: 0 });
    expect(state.killed).toEqual([]);
    await watch.stop();
  });

  it("probes the HTTP listener on loopback when Caddy listens on every address", () => {
    expect(probeAddress({ http_port: 80 })).toEqual({ host: "127.0.0.1", port: 80 });
    expect(probeAddress({ bind: "::", http_port: 8080 })).toEqual({ host: "::1", port: 8080 });
    expect(probeAddress({ bind: "10.0.0.5", http_port: 80 })).toEqual({ host: "10.0.0.5", port: 80 });
  });
});
