import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isNode, stringify, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, HostctlError, firstLine, type ConfigIssue } from "../lib/errors.js";
import { writeFileAtomic } from "../lib/fs.js";
import { redactUserInfo } from "../lib/redact-url.js";
import { isMissing } from "../lib/fs-errors.js";

export interface SourceFile {
  file: string;
  text?: string;
}

type PathKey = string | number;

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value) ?? typeof value;
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PathKey, unknown>)[key];
  }
  return current;
}

function issueText(issue: z.core.$ZodIssue, data: unknown): string {
  // A key that must never appear (credentials) is reported without echoing its value.
  if (issue.code === "invalid_type" && issue.expected === "never") return issue.message;
  // A refused repo URL may carry a token: the value is echoed with its user-info redacted.
  const got = redactUserInfo(describeValue(valueAt(data, issue.path as PathKey[])));
  switch (issue.code) {
    case "invalid_type":
      return got === "nothing" ? `required: expected ${issue.expected}` : `expected ${issue.expected}, got ${got}`;
    case "too_small":
    case "too_big":
      return `${issue.message.replace(/^Too (small|big): /, "").replace(/^expected /, "expected ")}, got ${got}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`;
    default:
      return `${issue.message}, got ${got}`;
  }
}

function position(doc: Document | undefined, counter: LineCounter | undefined, path: readonly PathKey[]) {
  if (!doc || !counter) return {};
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const { line, col } = counter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

function keyPosition(
  doc: Document | undefined,
  counter: LineCounter | undefined,
  path: readonly PathKey[],
  key: string,
) {
  if (!doc || !counter) return {};
  const parent: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const items = (parent as { items?: { key?: unknown }[] } | undefined)?.items ?? [];
  const pair = items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === key);
  if (pair && isNode(pair.key) && pair.key.range) {
    const { line, col } = counter.linePos(pair.key.range[0]);
    return { line, column: col };
  }
  return position(doc, counter, path);
}

function formatPath(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

export interface ValidateContext {
  file: string;
  doc?: Document;
  counter?: LineCounter;
}

/** Pure: every problem at once, each naming file, line and key path. */
export function validateWith<S extends z.ZodType>(schema: S, data: unknown, context: ValidateContext): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.flatMap((issue) => {
    const path = issue.path as PathKey[];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        file: context.file,
        ...keyPosition(context.doc, context.counter, path, key),
        path: formatPath([...path, key]),
        message: "unknown key",
      }));
    }
    return [
      {
        file: context.file,
        ...position(context.doc, context.counter, path),
        path: formatPath(path),
        message: issueText(issue, data),
      },
    ];
  });
  throw new ConfigError(issues);
}

/** Pure: YAML text → validated config, or a ConfigError naming the line of a syntax error. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, file: string): z.infer<S> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = counter.linePos(error.pos[0]);
        return { file, line, column: col, path: "", message: `YAML syntax error: ${firstLine(error)}` };
      }),
    );
  }
  return validateWith(schema, toPlainData(doc, file) ?? {}, { file, doc, counter });
}

/** The yaml library refuses unbounded alias expansion (a "billion laughs" file). */
function toPlainData(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw new ConfigError([{ file, path: "", message: `YAML aliases: ${error.message}` }]);
  }
}

/** One command reads an app.yml several times; the same text and schema give a copy of the same
 * result without re-parsing (about 10 ms of a deploy's CPU). */
const lastParsed = new Map<string, { schema: z.ZodType; text: string; value: unknown }>();

export async function loadYamlWith<S extends z.ZodType>(schema: S, file: string, hint: string): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) {
      throw new HostctlError("CONFIG_MISSING", `${file} does not exist`, { exitCode: 2, hint, cause: error });
    }
    throw error;
  }
  const last = lastParsed.get(file);
  if (last?.schema === schema && last.text === text) return structuredClone(last.value) as z.infer<S>;
  const value = parseYamlWith(schema, text, file);
  lastParsed.set(file, { schema, text, value: structuredClone(value) });
  return value;
}

export async function saveYaml(file: string, data: unknown, mode = 0o644, header = ""): Promise<void> {
  await writeFileAtomic(file, `${header}${stringify(data, { lineWidth: 0 })}`, mode);
}
