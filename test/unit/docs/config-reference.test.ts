import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderConfigReference } from "../../../src/docs/config-reference.js";

describe("configuration reference", () => {
  it("docs/configuration.md is what the schemas generate (run npm run docs:config after a schema change)", async () => {
    const committed = await readFile(new URL("../../../docs/configuration.md", import.meta.url), "utf8");
    expect(committed).toBe(renderConfigReference());
  });

  it("lists every key of both files with its description", () => {
    const reference = renderConfigReference();
    expect(reference).toContain("| `replica.url` (required) | string |  | where every app's databases are replicated");
    expect(reference).toContain("| `databases[].path` (required) | string |");
    expect(reference).toContain('| `healthcheck.timeout` | string | `"30s"` |');
  });
});
