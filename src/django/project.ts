import { readFile, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathExists } from "../lib/fs.js";

/** Every field is undefined when not found. */
export interface DjangoProject {
  hasManagePy: boolean;
  /** The default DJANGO_SETTINGS_MODULE of manage.py or wsgi.py. */
  declaredSettings?: string;
  /** The declared module or its `production` sibling (`wagtail start` layout). */
  settings?: string;
  /** Where `settings` was found: "manage.py", "wsgi.py", "app.yml", "env" … */
  settingsSource?: string;
  /** WSGI_APPLICATION, e.g. mysite.wsgi.application. */
  wsgiApplication?: string;
  /** The files of the settings module (its package's siblings included), for preflight warnings. */
  settingsFiles: string[];
}

const SETTINGS_DEFAULT = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']/;
const WSGI_SETTING = /^\s*WSGI_APPLICATION\s*=\s*["']([A-Za-z_][\w.]*)["']/m;
// `wagtail start` and cookiecutter default to a development module; hosting runs production.
const DEVELOPMENT_LEAVES = new Set(["dev", "development", "local", "settings_dev"]);

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The .py file of a dotted module inside the release, or undefined. */
export async function moduleFile(root: string, module: string): Promise<string | undefined> {
  const base = join(root, ...module.split("."));
  for (const candidate of [`${base}.py`, join(base, "__init__.py")]) {
    if (await pathExists(candidate)) return candidate;
  }
  return undefined;
}

/** Pure: the settings module named as default in manage.py or wsgi.py text. */
export function declaredSettingsModule(text: string | undefined): string | undefined {
  return text === undefined ? undefined : SETTINGS_DEFAULT.exec(text)?.[1];
}

/** Pure: the WSGI_APPLICATION of settings text. */
export function wsgiSetting(text: string): string | undefined {
  return WSGI_SETTING.exec(text)?.[1];
}

async function wsgiFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory() && !entry.name.startsWith(".") && (await pathExists(join(root, entry.name, "wsgi.py"))))
      found.push(join(root, entry.name, "wsgi.py"));
  }
  return found;
}

async function productionSibling(root: string, module: string): Promise<string | undefined> {
  const parts = module.split(".");
  if (!DEVELOPMENT_LEAVES.has(parts.at(-1) ?? "")) return undefined;
  const sibling = [...parts.slice(0, -1), "production"].join(".");
  return (await moduleFile(root, sibling)) ? sibling : undefined;
}

async function settingsTexts(root: string, module: string): Promise<{ files: string[]; wsgi?: string }> {
  const file = await moduleFile(root, module);
  if (!file) return { files: [] };
  // A settings package (base.py + production.py) keeps WSGI_APPLICATION in one of its siblings.
  const dir = dirname(file);
  const siblings = (await readdir(dir)).filter((n) => n.endsWith(".py")).map((n) => join(dir, n));
  const files = [file, ...siblings.filter((f) => f !== file)];
  for (const f of files) {
    const wsgi = wsgiSetting((await readText(f)) ?? "");
    if (wsgi) return { files, wsgi };
  }
  return { files };
}

/** Reads a release's manage.py, wsgi.py and settings; `override` (app.yml or the env file) wins. */
export async function inspectProject(
  root: string,
  override?: { module: string; source: string },
): Promise<DjangoProject> {
  const managePy = await readText(join(root, "manage.py"));
  let declaredSettings = declaredSettingsModule(managePy);
  let source = declaredSettings ? "manage.py" : undefined;
  const wsgiPaths = await wsgiFiles(root);
  for (const path of wsgiPaths) {
    if (declaredSettings) break;
    declaredSettings = declaredSettingsModule(await readText(path));
    if (declaredSettings) source = "wsgi.py";
  }
  let settings = override?.module ?? declaredSettings;
  if (override) source = override.source;
  else if (settings) {
    const production = await productionSibling(root, settings);
    if (production) {
      settings = production;
      source = `${source ?? ""} (${declaredSettings ?? ""} → its production sibling)`;
    }
  }
  const texts = settings ? await settingsTexts(root, settings) : { files: [] };
  const fallbackWsgi =
    wsgiPaths.length === 1
      ? `${wsgiPaths[0]?.slice(root.length + 1, -"/wsgi.py".length).replaceAll("/", ".")}.wsgi.application`
      : undefined;
  return {
    hasManagePy: managePy !== undefined,
    ...(declaredSettings ? { declaredSettings } : {}),
    ...(settings && (await moduleFile(root, settings)) ? { settings, settingsSource: source ?? "" } : {}),
    ...((texts.wsgi ?? fallbackWsgi) ? { wsgiApplication: texts.wsgi ?? fallbackWsgi ?? "" } : {}),
    settingsFiles: texts.files,
  };
}

/** Pure: mysite.wsgi.application → mysite.wsgi:application (gunicorn's MODULE:VARIABLE). */
export function gunicornTarget(wsgiApplication: string): string {
  const dot = wsgiApplication.lastIndexOf(".");
  return `${wsgiApplication.slice(0, dot)}:${wsgiApplication.slice(dot + 1)}`;
}
