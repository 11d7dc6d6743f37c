import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { declaredProcesses, releaseProcesses } from "../apps/procfile.js";
import type { AppSpec } from "../config/schema.js";
import { hasRequirements } from "../deploy/build.js";
import { pathExists } from "../lib/fs.js";
import { SHIM_SETTINGS, projectSettings, usesShim } from "./shim.js";
import type { DjangoProject } from "./project.js";

export type FindingLevel = "ok" | "info" | "warning" | "error";

export interface Finding {
  check: string;
  level: FindingLevel;
  detail: string;
}

/** What preflight reads from a checked-out commit. */
export interface ReleaseFacts {
  project: DjangoProject;
  hasManagePy: boolean;
  requirements: string | undefined;
  declared: Record<string, string>;
  web: string | undefined;
  /** Text of the settings module file hosting runs (not its siblings). */
  settingsText: string | undefined;
  settingsTexts: string[];
}

const DEBUG_TRUE = /^\s*DEBUG\s*=\s*True\b/m;
const HARD_DB_PATH =
  /["']NAME["']\s*:\s*(BASE_DIR\s*\/|os\.path\.join\(\s*BASE_DIR|str\(\s*BASE_DIR|["'][^"']*\.sqlite3["'])/;

export async function releaseFacts(
  spec: AppSpec,
  releaseDir: string,
  appEnv: Record<string, string>,
): Promise<ReleaseFacts> {
  const project = await projectSettings(spec, releaseDir, appEnv);
  const read = (path: string) => readFile(path, "utf8").catch(() => undefined);
  const texts = await Promise.all(project.settingsFiles.map(read));
  return {
    project,
    hasManagePy: await pathExists(join(releaseDir, "manage.py")),
    requirements: await read(join(releaseDir, "requirements.txt")),
    declared: await declaredProcesses(spec, releaseDir),
    web: (await releaseProcesses(spec, releaseDir)).web,
    settingsText: texts[0],
    settingsTexts: texts.filter((t): t is string => t !== undefined),
  };
}

/** Pure: the preflight verdicts for a Django/Wagtail release; `error` findings stop a deploy. */
export function preflightFindings(spec: AppSpec, facts: ReleaseFacts): Finding[] {
  const shim = usesShim(spec);
  const out: Finding[] = [];
  const releaseLine = facts.declared.release !== undefined;
  out.push(
    facts.hasManagePy
      ? { check: "manage.py", level: "ok", detail: "found" }
      : {
          check: "manage.py",
          level: releaseLine ? "warning" : "error",
          detail: releaseLine
            ? "not found (the Procfile's release: line runs instead of migrate + collectstatic)"
            : "not found at the top of the repository: migrate and collectstatic cannot run",
        },
  );
  const settings = facts.project.settings;
  out.push(
    settings
      ? { check: "settings", level: "ok", detail: `${settings} (from ${facts.project.settingsSource ?? "?"})` }
      : {
          check: "settings",
          level: shim ? "error" : "warning",
          detail: `no settings module found in manage.py or wsgi.py${facts.project.declaredSettings ? ` (${facts.project.declaredSettings} has no file)` : ""}; set django.settings in app.yml`,
        },
  );
  out.push(
    facts.project.wsgiApplication
      ? { check: "wsgi", level: "ok", detail: facts.project.wsgiApplication }
      : {
          check: "wsgi",
          level: facts.declared.web ? "info" : "error",
          detail: facts.declared.web
            ? "WSGI_APPLICATION not found (not needed: a web command is given)"
            : "WSGI_APPLICATION not found and no web command given (Procfile web: or --process web=…)",
        },
  );
  const python = spec.python;
  out.push(
    hasRequirements(facts.requirements)
      ? {
          check: "requirements",
          level: "ok",
          detail: `requirements.txt, installed into an ${python.system_site_packages ? "venv with system site packages" : "isolated venv"}`,
        }
      : {
          check: "requirements",
          level: python.system_site_packages ? "info" : "error",
          detail: python.system_site_packages
            ? "no requirements.txt: the system's packages are used"
            : "no requirements.txt: the isolated venv would have no Django (add requirements.txt, or python.system_site_packages: true)",
        },
  );
  out.push(
    facts.declared.web
      ? { check: "web", level: "ok", detail: `${facts.declared.web} (Procfile or app.yml)` }
      : facts.web
        ? {
            check: "web",
            level: "ok",
            detail: `inferred: ${facts.web}${/^\s*gunicorn\b/im.test(facts.requirements ?? "") ? "" : " (gunicorn is installed into the venv: requirements.txt lacks it)"}`,
          }
        : { check: "web", level: "error", detail: "no web command" },
  );
  out.push(
    shim
      ? {
          check: "settings shim",
          level: "info",
          detail: `hostctl_settings over ${settings ?? "?"} sets ${SHIM_SETTINGS.join(", ")} (hostctl app show NAME says how)`,
        }
      : {
          check: "settings shim",
          level: "info",
          detail:
            "off (django.settings_shim: false): the project's settings must read DATABASE_URL, STATIC_ROOT, MEDIA_ROOT, ALLOWED_HOSTS themselves",
        },
  );
  if (facts.settingsText !== undefined && DEBUG_TRUE.test(facts.settingsText)) {
    out.push({
      check: "DEBUG",
      level: "warning",
      detail: `${settings ?? ""} sets DEBUG = True${shim ? " (the shim sets DEBUG = False)" : ": tracebacks and settings would be shown to visitors"}`,
    });
  }
  if (facts.settingsTexts.some((t) => HARD_DB_PATH.test(t))) {
    out.push({
      check: "database path",
      level: "warning",
      detail: shim
        ? "the settings hard-code an SQLite path (the shim points DATABASES at the app's replicated data directory)"
        : "the settings hard-code an SQLite path: a database inside the release is never replicated; read DATABASE_URL instead",
    });
  }
  return out;
}
