import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadYamlWith } from "../../../src/config/load.js";

const dir = await mkdtemp(join(tmpdir(), "load-memo-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const schema = z.strictObject({ port: z.number(), tags: z.array(z.string()).default([]) });
const other = z.strictObject({ port: z.number().max(100) });

describe("loadYamlWith, reading one file again", () => {
  it("hands out a copy: what one caller changes, the next read does not see", async () => {
    const file = join(dir, "copy.yml");
    await writeFile(file, "port: 8001\ntags: [a]\n");
    const first = await loadYamlWith(schema, file, "");
    first.tags.push("changed");
    first.port = 1;
    expect(await loadYamlWith(schema, file, "")).toEqual({ port: 8001, tags: ["a"] });
  });

  it("parses the file again when its text changed, errors included", async () => {
    const file = join(dir, "changed.yml");
    await writeFile(file, "port: 8001\n");
    expect((await loadYamlWith(schema, file, "")).port).toBe(8001);
    await writeFile(file, "port: 8002\n");
    expect((await loadYamlWith(schema, file, "")).port).toBe(8002);
    await writeFile(file, "port: 8002\nprot: 1\n");
    await expect(loadYamlWith(schema, file, "")).rejects.toThrow(/changed\.yml:2:1 prot: unknown key/);
  });

  it("checks the same text again against another schema", async () => {
    const file = join(dir, "schema.yml");
    await writeFile(file, "port: 8001\n");
    expect((await loadYamlWith(schema, file, "")).port).toBe(8001);
    await expect(loadYamlWith(other, file, "")).rejects.toThrow(/schema\.yml:1:\d+ port: /);
  });
});
