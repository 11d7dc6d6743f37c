import { appendFile, chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { resolvePython } from "../../../src/deploy/python-interpreter.js";
import { createRunner } from "../../../src/lib/exec.js";
import { createLogger } from "../../../src/lib/log.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("resolvePython", () => {
  it("starts an interpreter once while its file is unchanged, and again once it changes", async () => {
    const dir = await tempDir("python-probe");
    const runs = join(dir, "runs");
    const python = join(dir, "python3");
    // A stand-in interpreter that counts its starts: the probe is a Python start on a real host.
    await writeFile(python, `#!/bin/sh\necho run >> ${runs}\necho 3.12.4\n`);
    await chmod(python, 0o755);
    const spec = validateAppSpec(
      { name: "blog", repo: "/srv/blog.git", port: 8001, kind: "django", python: { interpreter: python } },
      "app.yml",
    );
    const run = createRunner(createLogger("silent"));
    const count = async () => (await readFile(runs, "utf8")).split("\n").filter(Boolean).length;

    expect((await resolvePython(run, spec, dir, process.env)).version).toBe("3.12.4");
    expect((await resolvePython(run, spec, dir, process.env)).version).toBe("3.12.4");
    expect(await count()).toBe(1);

    await appendFile(python, "# upgraded\n");
    expect((await resolvePython(run, spec, dir, process.env)).version).toBe("3.12.4");
    expect(await count()).toBe(2);
  });
});
