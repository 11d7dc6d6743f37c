import { afterAll, describe, expect, it } from "vitest";
import { FIRST_MIRROR_MS, REGISTRY_MIRROR_MS, RegistryMirrorLoop } from "../../../src/registry/mirror-loop.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { unitContext } from "../../helpers/host-context.js";
import { cleanupTempDirs } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("RegistryMirrorLoop on a fake clock", () => {
  it("copies soon after start and then every minute, not while fenced, survives a failed copy, and stops", async () => {
    const clock = new FakeClock(0);
    const copies: number[] = [];
    let fenced = false;
    let failNext = false;
    const mirror = () => {
      copies.push(clock.now().getTime());
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error("S3 down"));
      }
      return Promise.resolve();
    };
    const loop = new RegistryMirrorLoop(await unitContext(clock), { fenced: () => fenced, mirror });
    loop.start();
    await clock.advance(FIRST_MIRROR_MS);
    expect(copies).toEqual([FIRST_MIRROR_MS]);
    failNext = true;
    await clock.advance(REGISTRY_MIRROR_MS - FIRST_MIRROR_MS);
    await clock.advance(REGISTRY_MIRROR_MS);
    expect(copies).toEqual([FIRST_MIRROR_MS, REGISTRY_MIRROR_MS, 2 * REGISTRY_MIRROR_MS]);
    fenced = true;
    await clock.advance(REGISTRY_MIRROR_MS);
    expect(copies).toHaveLength(3);
    fenced = false;
    await loop.stop();
    await clock.advance(10 * REGISTRY_MIRROR_MS);
    expect(copies).toHaveLength(3);
    expect(clock.timers()).toEqual([]);
  });
});
