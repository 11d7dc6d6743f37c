import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { writeFileAtomic } from "../lib/fs.js";
import { inspectProject, type DjangoProject } from "./project.js";
import { isDjangoKind } from "../config/kinds.js";

export const SHIM_DIR = ".hostctl";
export const SHIM_MODULE = "hostctl_settings";
export const SECRET_KEY_VAR = "DJANGO_SECRET_KEY";

/** What the settings shim sets over the project's settings (shown by app show and app check). */
export const SHIM_OVERRIDES: readonly string[] = [
  "DATABASES[default] → DATABASE_URL's SQLite file (timeout 20 s; WAL + IMMEDIATE on Django ≥ 5.1); other SQLite aliases → HOSTCTL_DATA_DIR",
  "STATIC_ROOT, STATIC_URL, MEDIA_ROOT, MEDIA_URL ← the environment",
  "ALLOWED_HOSTS ← HOSTCTL_DOMAINS + localhost, 127.0.0.1, [::1]; CSRF_TRUSTED_ORIGINS += https:// and http:// of each domain",
  "SECURE_PROXY_SSL_HEADER = X-Forwarded-Proto: https",
  `SECRET_KEY ← ${SECRET_KEY_VAR} from the env file (generated at app add when absent)`,
  "DEBUG = False",
  "LOGGING: django.request and django.security also to stderr (500 tracebacks in hostctl logs)",
  "WAGTAILADMIN_BASE_URL ← https://<first domain> (Wagtail projects)",
];

/** The settings names the shim assigns. */
export const SHIM_SETTINGS: readonly string[] = [
  "DATABASES",
  "STATIC_ROOT",
  "STATIC_URL",
  "MEDIA_ROOT",
  "MEDIA_URL",
  "ALLOWED_HOSTS",
  "CSRF_TRUSTED_ORIGINS",
  "SECURE_PROXY_SSL_HEADER",
  "SECRET_KEY",
  "DEBUG",
  "LOGGING",
  "WAGTAILADMIN_BASE_URL (Wagtail)",
];

const SHIM_SOURCE = new URL("../../templates/django/hostctl_settings.py", import.meta.url);

export function usesShim(spec: AppSpec): boolean {
  return isDjangoKind(spec.kind) && spec.django.settings_shim;
}

/** Pure: a new Django secret key (50 URL-safe characters, as Django's own generator makes). */
export function newSecretKey(): string {
  return randomBytes(38).toString("base64url").slice(0, 50);
}

/** The env file's DJANGO_SETTINGS_MODULE, app.yml's, or the one found in the release. */
export async function projectSettings(
  spec: AppSpec,
  releaseDir: string,
  appEnv: Record<string, string>,
): Promise<DjangoProject> {
  const fromEnv = appEnv.DJANGO_SETTINGS_MODULE;
  const override = fromEnv
    ? { module: fromEnv, source: "env file" }
    : spec.django.settings
      ? { module: spec.django.settings, source: "app.yml django.settings" }
      : undefined;
  return inspectProject(releaseDir, override);
}

/** Writes <release>/.hostctl/hostctl_settings.py (outside the project's files) when it differs. */
export async function writeShim(releaseDir: string): Promise<string> {
  const dir = join(releaseDir, SHIM_DIR);
  const file = join(dir, `${SHIM_MODULE}.py`);
  const source = await readFile(SHIM_SOURCE, "utf8");
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing !== source) {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(file, source, 0o644);
  }
  return dir;
}

/** None when the app opted out or no settings module was found (app check says why). */
export async function shimEnv(
  spec: AppSpec,
  releaseDir: string,
  appEnv: Record<string, string>,
): Promise<Record<string, string>> {
  if (!usesShim(spec)) return {};
  const project = await projectSettings(spec, releaseDir, appEnv);
  if (!project.settings) return {};
  const dir = await writeShim(releaseDir);
  return {
    DJANGO_SETTINGS_MODULE: SHIM_MODULE,
    HOSTCTL_DJANGO_SETTINGS: project.settings,
    PYTHONPATH: appEnv.PYTHONPATH ? `${dir}:${appEnv.PYTHONPATH}` : dir,
  };
}
