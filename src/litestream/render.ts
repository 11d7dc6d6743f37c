import { join, posix } from "node:path";
import { LineCounter, parseDocument, stringify } from "yaml";
import type { AppSpec, HostConfig } from "../config/schema.js";
import { parseReplicaUrl, replicaKey } from "../config/replica.js";
import { validateWith } from "../config/load.js";
import { ConfigError, firstLine } from "../lib/errors.js";
import { formatGoDuration, parseDuration } from "../lib/duration.js";
import type { z } from "zod";
import { litestreamConfigSchemaV03 } from "./config-keys.js";

type Scalar = string | number | boolean | undefined;
export type TemplateVars = Record<string, Scalar>;

export interface DatabaseVars {
  path: string;
  vars: TemplateVars;
}

export interface AppTemplateVars {
  top: TemplateVars;
  databases: DatabaseVars[];
}

const PLACEHOLDER = /\{\{\s*([a-z_.]+)\s*\}\}/g;
const EXACT = /^\{\{\s*([a-z_.]+)\s*\}\}$/;

function goDuration(text: string): string {
  return formatGoDuration(parseDuration(text) ?? 0);
}

/** Pure: the values one app's template is filled with. */
export function litestreamVars(
  host: HostConfig,
  spec: AppSpec,
  dataDir: string,
  metricsPort: number | undefined,
  metaDir?: string,
): AppTemplateVars {
  const target = parseReplicaUrl(host.replica.url);
  const s3 = target.kind === "s3";
  return {
    top: {
      app: spec.name,
      metrics_addr: metricsPort === undefined ? undefined : `127.0.0.1:${metricsPort}`,
      heartbeat_url: host.litestream.heartbeat_url,
    },
    databases: spec.databases.map((db) => {
      const path = join(dataDir, db.path);
      return {
        path,
        vars: {
          "db.path": path,
          "db.name": posix.basename(db.path),
          // In a LiteFS mount Litestream cannot create its directory beside the database.
          "db.meta_path": metaDir === undefined ? undefined : join(metaDir, `.${posix.basename(db.path)}-litestream`),
          "replica.name": s3 ? "s3" : "file",
          "replica.type": target.kind,
          "replica.bucket": s3 ? target.bucket : undefined,
          "replica.path": replicaKey(target, spec.name, db.path),
          "replica.endpoint": s3 ? host.replica.s3.endpoint : undefined,
          "replica.region": s3 ? host.replica.s3.region : undefined,
          "replica.force_path_style": s3 ? host.replica.s3.force_path_style : undefined,
          "replica.sync_interval": goDuration(host.litestream.sync_interval),
          "replica.snapshot_interval": goDuration(host.litestream.snapshot_interval),
          "replica.retention": goDuration(host.litestream.retention),
        },
      };
    }),
  };
}

export class UnknownVariable extends Error {
  constructor(
    readonly variable: string,
    readonly at: string,
  ) {
    super(variable);
  }
}

/** An unset variable drops its key (also used for LiteFS configs). */
export function fill(node: unknown, vars: TemplateVars, at: string): unknown {
  if (typeof node === "string") {
    const exact = EXACT.exec(node);
    if (exact) {
      const name = exact[1] ?? "";
      if (!(name in vars)) throw new UnknownVariable(name, at);
      return vars[name];
    }
    return node.replace(PLACEHOLDER, (_, name: string) => {
      if (!(name in vars)) throw new UnknownVariable(name, at);
      return String(vars[name] ?? "");
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => fill(item, vars, `${at}[${i}]`));
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const filled = fill(value, vars, at === "" ? key : `${at}.${key}`);
      // An unset variable drops its key: the template can name every option once for every target.
      if (filled !== undefined) out[key] = filled;
    }
    return out;
  }
  return node;
}

/** Pure: the checked Litestream YAML, or a ConfigError naming the template. */
export function renderLitestreamConfig(
  templateText: string,
  templateFile: string,
  input: AppTemplateVars,
  schema: z.ZodType = litestreamConfigSchemaV03,
): string {
  const counter = new LineCounter();
  const doc = parseDocument(templateText, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        file: templateFile,
        ...counter.linePos(error.pos[0]),
        column: counter.linePos(error.pos[0]).col,
        path: "",
        message: `YAML syntax error: ${firstLine(error)}`,
      })),
    );
  }
  const template = (doc.toJS() ?? {}) as Record<string, unknown>;
  const prototypes = Array.isArray(template.dbs) ? (template.dbs as unknown[]) : [];
  if (prototypes.length !== 1) {
    throw new ConfigError([
      {
        file: templateFile,
        path: "dbs",
        message: `expected exactly one prototype entry, repeated per database; got ${prototypes.length}`,
      },
    ]);
  }
  let rendered: Record<string, unknown>;
  try {
    const top = fill({ ...template, dbs: undefined }, input.top, "") as Record<string, unknown>;
    const dbs = input.databases.map((db, i) => fill(prototypes[0], { ...input.top, ...db.vars }, `dbs[${i}]`));
    rendered = { ...top, dbs };
  } catch (error) {
    if (error instanceof UnknownVariable) {
      throw new ConfigError([
        { file: templateFile, path: error.at, message: `unknown template variable "{{${error.variable}}}"` },
      ]);
    }
    throw error;
  }
  const checked = validateWith(schema, rendered, { file: templateFile, doc, counter });
  return `# Generated by hostctl from ${templateFile} — do not edit; it is rewritten on every config change and at \`up\`.\n${stringify(checked, { lineWidth: 0 })}`;
}
