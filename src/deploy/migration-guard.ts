import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { releaseProcessEnv } from "../apps/release-env.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { HostctlError, firstLine } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { sqliteQuery } from "../lib/sqlite.js";
import { VENV } from "./build.js";

// Django's own loader, no database connection: every migration on disk, as app_label.name.
const DISK_MIGRATIONS = [
  "import django, json",
  "django.setup()",
  "from django.db.migrations.loader import MigrationLoader",
  "loader = MigrationLoader(None, ignore_no_migrations=True)",
  "print(json.dumps(sorted(f'{a}.{n}' for a, n in loader.disk_migrations)))",
].join("\n");

/** Pure: applied migrations the release's code does not have. */
export function missingMigrations(applied: readonly string[], onDisk: readonly string[]): string[] {
  const known = new Set(onDisk);
  return applied.filter((m) => !known.has(m)).sort();
}

async function appliedMigrations(ctx: HostContext, db: string): Promise<string[]> {
  const tables = await sqliteQuery(
    ctx.run,
    db,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations';",
    {
      readonly: true,
    },
  );
  if (tables.length === 0) return [];
  const rows = await sqliteQuery(ctx.run, db, "SELECT app || '.' || name AS m FROM django_migrations;", {
    readonly: true,
  });
  return rows.map((r) => String(r.m));
}

/** A rollback switches code, not the schema: code lacking an applied migration fails on write.
 * Refused unless --force. */
export async function guardRollbackMigrations(
  spec: AppSpec,
  ctx: HostContext,
  target: { id: string; dir: string },
): Promise<void> {
  if ((spec.kind !== "django" && spec.kind !== "wagtail") || spec.databases.length === 0) return;
  const db = join(appPaths(ctx.paths, spec.name).data, spec.databases[0]?.path ?? "");
  if (!(await pathExists(db))) return;
  const applied = await appliedMigrations(ctx, db);
  if (applied.length === 0) return;
  let onDisk: string[];
  try {
    const env = await releaseProcessEnv(ctx.paths, spec, target.dir);
    const { stdout } = await ctx.run(join(target.dir, VENV, "bin", "python"), ["-c", DISK_MIGRATIONS], {
      cwd: target.dir,
      env,
      cleanEnv: true,
      timeoutMs: 120_000,
    });
    onDisk = JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[];
  } catch (error) {
    throw new HostctlError(
      "DEPLOY_REFUSED",
      `not rolling ${spec.name} back to ${target.id}: its migrations could not be listed (${firstLine(error)})`,
      {
        hint: `roll back anyway (databases are not changed): hostctl rollback ${spec.name} --to ${target.id} --force`,
      },
    );
  }
  const missing = missingMigrations(applied, onDisk);
  if (missing.length === 0) return;
  const shown = missing.length > 10 ? [...missing.slice(0, 10), `… ${missing.length - 10} more`] : missing;
  throw new HostctlError(
    "DEPLOY_REFUSED",
    `not rolling ${spec.name} back to ${target.id}: the database has ${missing.length === 1 ? "a migration" : `${missing.length} migrations`} that release does not know: ${shown.join(", ")}; its code would run against a newer schema and writes may fail`,
    {
      hint: `deploy a fix forward (hostctl deploy ${spec.name} --ref REF), or roll back anyway: hostctl rollback ${spec.name} --to ${target.id} --force`,
    },
  );
}
