import { z } from "zod";
import { appSpecSchema } from "../config/app-schema.js";
import { hostConfigSchema } from "../config/schema.js";

/** The subset of JSON Schema that zod emits for our config schemas. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

interface Row {
  key: string;
  type: string;
  required: boolean;
  defaultValue: string;
  description: string;
}

function typeOf(schema: JsonSchema): string {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).join(" or ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  if (type === "array") return `list of ${schema.items ? typeOf(schema.items) : "any"}`;
  if (type === "object" && !schema.properties && typeof schema.additionalProperties === "object")
    return `map of ${typeOf(schema.additionalProperties)}`;
  if (type === "integer" && schema.minimum !== undefined && schema.maximum !== undefined)
    return `integer ${schema.minimum}–${schema.maximum}`;
  return type;
}

function isSection(schema: JsonSchema): boolean {
  return schema.properties !== undefined && Object.keys(schema.properties).length > 0;
}

function formatDefault(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "object" && value !== null && Object.keys(value).length === 0) return "";
  return `\`${JSON.stringify(value)}\``;
}

/** Depth first: a section gets its own row, then its keys as `a.b`. */
function rows(schema: JsonSchema, prefix: string): Row[] {
  const out: Row[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    const objectVariant = (child.anyOf ?? child.oneOf)?.find(isSection);
    out.push({
      key,
      type: isSection(child) ? "section" : typeOf(child),
      required: required.has(name) && child.default === undefined,
      defaultValue: formatDefault(child.default),
      description: (child.description ?? "").replace(/\|/g, "\\|").replace(/\n/g, " "),
    });
    if (isSection(child)) out.push(...rows(child, key));
    else if (objectVariant) out.push(...rows(objectVariant, key));
    else if (child.items && isSection(child.items)) out.push(...rows(child.items, `${key}[]`));
  }
  return out;
}

function table(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const lines = ["| key | type | default | description |", "|---|---|---|---|"];
  for (const row of rows(json, "")) {
    const key = row.required ? `\`${row.key}\` (required)` : `\`${row.key}\``;
    lines.push(`| ${key} | ${row.type} | ${row.defaultValue} | ${row.description} |`);
  }
  return lines.join("\n");
}

/** Pure: from the schemas' `.describe()` texts (npm run docs:config). */
export function renderConfigReference(): string {
  return [
    "# Configuration reference",
    "",
    "<!-- Generated from src/config/schema.ts by `npm run docs:config`; a unit test fails when this file is stale. -->",
    "",
    "Unknown keys are errors in both files (`file:line key: message`, exit 2). Durations are written as `500ms`, `1s`, `5m`, `24h` or `7d`.",
    "",
    "## `hostctl.yml` (host)",
    "",
    table(hostConfigSchema),
    "",
    "## `apps/NAME/app.yml` (one app)",
    "",
    table(appSpecSchema),
    "",
  ].join("\n");
}
