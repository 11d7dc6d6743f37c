/** A tiny Prometheus text-format checker for tests: every sample line must be `name{labels} value` after its # TYPE. */
const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})?\s(-?[0-9.eE+-]+|NaN|[+-]Inf)$/;
const COMMENT = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/;

export function parsePrometheus(text: string): Map<string, number> {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const typed = new Set<string>();
  const samples = new Map<string, number>();
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("#")) {
      const m = COMMENT.exec(line);
      if (!m) throw new Error(`bad comment line: ${line}`);
      if (m[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(m[3] ?? ""))
          throw new Error(`bad type: ${line}`);
        typed.add(m[2] ?? "");
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    if (!typed.has(m[1] ?? "")) throw new Error(`sample before its # TYPE: ${line}`);
    const key = `${m[1]}${m[2] ?? ""}`;
    if (samples.has(key)) throw new Error(`duplicate sample: ${key}`);
    samples.set(key, Number((m[3] ?? "").replace("Inf", "Infinity")));
  }
  return samples;
}
