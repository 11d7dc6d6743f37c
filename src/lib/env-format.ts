import { ConfigError, type ConfigIssue } from "./errors.js";

// Format in docs/security.md "Env files"; any other line is an error naming it, never dropped.
// formatEnvText quotes a value only when unquoted it would not read back the same.
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', n: "\n", r: "\r", t: "\t" };
const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([^=\s]*)=(.*)$/s;

function hasControl(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function isBare(value: string): boolean {
  return !hasControl(value) && !/[\s"'\\#$`]/.test(value);
}

/** Pure: the value after KEY=, or the reason it is not valid. */
export function parseEnvValue(raw: string): { value: string } | { error: string } {
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    if (end < 0) return { error: "unterminated single quote" };
    if (raw.slice(end + 1).trim() !== "") return { error: "unexpected text after the closing quote" };
    return { value: raw.slice(1, end) };
  }
  if (!raw.startsWith('"'))
    return hasControl(raw)
      ? { error: "control character (such as \\r) in an unquoted value: double-quote it and write \\r" }
      : { value: raw };
  let value = "";
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i] ?? "";
    if (c === '"')
      return raw.slice(i + 1).trim() === "" ? { value } : { error: "unexpected text after the closing quote" };
    if (c !== "\\") {
      value += c;
      continue;
    }
    const escaped = ESCAPES[raw[i + 1] ?? ""];
    if (escaped === undefined) return { error: `unknown escape \\${raw[i + 1] ?? ""} (allowed: \\\\ \\" \\n \\r \\t)` };
    value += escaped;
    i += 1;
  }
  return { error: "unterminated double quote" };
}

/** Pure: a ConfigError lists every invalid line (file:line, what, the key). */
export function parseEnvText(text: string, source: string): Record<string, string> {
  const env: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((line, index) => {
    if (/^[ \t]*(#.*)?$/.test(line)) return;
    const issue = (path: string, message: string) =>
      issues.push({ file: source, line: index + 1, column: 1, path, message });
    const match = ASSIGNMENT.exec(line);
    const key = match?.[1] ?? "";
    if (!match || !ENV_NAME.test(key))
      return issue("", "expected KEY=VALUE with KEY of letters, digits and _ (not starting with a digit)");
    if (key in env) return issue(key, "set twice");
    const parsed = parseEnvValue(match[2] ?? "");
    if ("error" in parsed) return issue(key, parsed.error);
    env[key] = parsed.value;
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return env;
}

/** Pure: a value as written to the file; parseEnvValue gives it back byte for byte. */
export function formatEnvValue(value: string): string {
  if (isBare(value)) return value;
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\${c}`))}"`;
}

export function formatEnvText(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${formatEnvValue(env[key] ?? "")}\n`)
    .join("");
}
