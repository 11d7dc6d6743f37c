import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

// The CLI's stderr logger (level "warn" unless --log-level says otherwise) loads pino only when a line is
// written at a level it logs: the runner's debug line after every command used to load it on every deploy.
// Run in a process of its own, where nothing else has loaded pino yet (the built module, as the CLI runs it).
const LOG_MODULE = join(ROOT, "dist", "lib", "log.js");
const SCRIPT = `
import { createRequire } from "node:module";
const { createLogger } = await import(${JSON.stringify(LOG_MODULE)});
const pinoLoaded = () => Object.keys(createRequire(${JSON.stringify(LOG_MODULE)}).cache).some((p) => p.includes("/node_modules/pino/"));
const log = createLogger("warn");
log.debug({ event: "exec.finished" }, "debug line");
log.info("info line");
log.child({ app: "blog" }).debug("child debug line");
const quiet = { loaded: pinoLoaded(), warn: log.isLevelEnabled("warn"), debug: log.isLevelEnabled("debug") };
log.child({ app: "blog" }).warn({ event: "w", credentials: { secretAccessKey: "sk-123" } }, "warn line");
console.log(JSON.stringify({ quiet, loaded: pinoLoaded() }));
`;

describe("the CLI's lazy logger", () => {
  it("loads no pino for lines below its level, and logs (redacted, with a child's bindings) at its level", async () => {
    const { stdout, stderr } = await execa(process.execPath, ["--input-type=module", "-e", SCRIPT]);
    expect(JSON.parse(stdout)).toEqual({ quiet: { loaded: false, warn: true, debug: false }, loaded: true });
    const lines = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "warn line", app: "blog", event: "w", credentials: "[redacted]" });
    expect(stderr).not.toContain("sk-123");
  });
});
