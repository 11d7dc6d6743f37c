import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { removeInBackground } from "../../../src/lib/spawn.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

const saved = { PATH: process.env.PATH, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.AWS_SECRET_ACCESS_KEY === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = saved.AWS_SECRET_ACCESS_KEY;
});

describe("removeInBackground", () => {
  it("removes the trees without being awaited", async () => {
    const dir = await tempDir("remove");
    const doomed = [join(dir, "a"), join(dir, "b")];
    for (const path of doomed) {
      await mkdir(join(path, "deep", "er"), { recursive: true });
      await writeFile(join(path, "deep", "er", "file"), "x");
    }
    removeInBackground(doomed);
    await waitFor("both trees gone", () => doomed.every((path) => !existsSync(path)));
  });

  it("passes PATH only, never the caller's credentials", async () => {
    const dir = await tempDir("remove-env");
    const bin = join(dir, "bin");
    await mkdir(bin);
    // A `nice` found first on PATH that records the environment it was given;
    // written aside and renamed, so the poll below never reads it half-written.
    const out = join(dir, "env.txt");
    await writeFile(join(bin, "nice"), `#!/bin/sh\nenv > ${out}.part && mv ${out}.part ${out}\n`);
    await chmod(join(bin, "nice"), 0o755);
    process.env.PATH = `${bin}:${process.env.PATH ?? ""}`;
    process.env.AWS_SECRET_ACCESS_KEY = "not-for-rm";

    removeInBackground([join(dir, "nothing-here")]);

    const env = await waitFor("the environment nice was given", async () =>
      readFile(out, "utf8").catch(() => undefined),
    );
    expect(env).toContain(`PATH=${bin}:`);
    expect(env).not.toContain("not-for-rm");
  });
});
