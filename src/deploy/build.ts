import { readFile, readdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { pathExists } from "../lib/fs.js";
import { createHash } from "node:crypto";
import { chooseInstaller, installCommand, venvCommand, type Installer } from "./installer.js";
import { requirementsClosure } from "./requirements-files.js";
import type { ResolvedPython } from "./python-interpreter.js";
import { isDjangoKind } from "../config/kinds.js";
import { collectStatic, collectstaticOptOut } from "./collectstatic.js";

export const VENV = ".venv";
const BUILD_TIMEOUT_MS = 30 * 60_000;

export type VenvAction = "created" | "reused" | "none";

export interface BuildResult {
  venv: VenvAction;
  reusedFrom?: string;
  pip: boolean;
  /** gunicorn was installed because the requirements lack it and no web command was given. */
  gunicorn?: boolean;
  /** The venv's Python version and why it was chosen (`3.12.1, runtime.txt (python-3.12)`). */
  python?: string;
  /** What became of collectstatic (Django and Wagtail only): collected, or why it did not run. */
  collectstatic?: string;
}

/** Pure: requirements.txt has something to install (not only blank lines, comments and options). */
export function hasRequirements(text: string | undefined): boolean {
  if (text === undefined) return false;
  return (
    text.split("\n").some((line) => {
      const trimmed = line.replace(/(^|\s)#.*$/, "").trim();
      return trimmed !== "" && !trimmed.startsWith("-");
    }) || /^\s*-(r|e|c)\s/m.test(text)
  );
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** bin/ scripts carry the old venv path; each is rewritten as a new inode so a hard-linked
 * original in the older release stays untouched. */
export async function relocateVenv(venv: string, from: string): Promise<void> {
  const bin = join(venv, "bin");
  for (const entry of await readdir(bin, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(bin, entry.name);
    const text = await readFile(file);
    const head = text.subarray(0, 4096).toString("latin1");
    if (head.includes("\0") || !text.includes(from)) continue;
    const mode = (await stat(file)).mode & 0o7777;
    await writeFile(`${file}.tmp`, text.toString("utf8").split(from).join(venv), { mode });
    await rename(`${file}.tmp`, file);
  }
  const cfg = join(venv, "pyvenv.cfg");
  const text = await readText(cfg);
  if (text !== undefined)
    await writeFile(`${cfg}.tmp`, text.split(from).join(venv)).then(() => rename(`${cfg}.tmp`, cfg));
}

export interface VenvOptions {
  /** No web command given: the inferred gunicorn is installed when requirements lack it. */
  needsGunicorn: boolean;
  /** PIP_CACHE_DIR / UV_CACHE_DIR (see installer.ts). */
  cacheEnv: Record<string, string>;
  /** uv found on PATH, if any. */
  uv: string | undefined;
  /** The interpreter the venv is made from (python-interpreter.ts). */
  python: ResolvedPython;
}

const KEY_FILE = "hostctl-venv-key";

/** Pure: everything a venv's content depends on; a venv is reused only when its key matches. */
export function venvKey(
  spec: AppSpec,
  options: VenvOptions,
  installer: Installer,
  requirements: readonly string[],
): string {
  const parts = [
    options.python.path,
    options.python.version,
    installer,
    String(spec.python.system_site_packages),
    ...requirements,
  ];
  return createHash("sha256").update(parts.join("\0\0")).digest("hex");
}

/** Nothing to install: a fresh pip-less venv (0.04 s, cheaper than any copy). Same key as the
 * previous release: hard-link and relocate it (pip only adds files, e.g. a missing gunicorn). */
export async function buildVenv(
  run: Runner,
  spec: AppSpec,
  releaseDir: string,
  previousDir: string | undefined,
  options: VenvOptions,
): Promise<BuildResult> {
  const venv = join(releaseDir, VENV);
  const requirements = await readText(join(releaseDir, "requirements.txt"));
  const installer = chooseInstaller(spec.python.installer, options.uv);
  const key = venvKey(spec, options, installer, await requirementsClosure(releaseDir));
  const uv = options.uv ?? "uv";
  const python = { ...spec.python, interpreter: options.python.path };
  const exec = (c: { file: string; args: string[] }) =>
    run(c.file, c.args, { cwd: releaseDir, env: options.cacheEnv, timeoutMs: BUILD_TIMEOUT_MS });
  let result: BuildResult;
  const previousVenv = previousDir ? join(previousDir, VENV) : undefined;
  if (
    previousVenv &&
    (await pathExists(join(previousVenv, "bin", "python"))) &&
    (await readText(join(previousVenv, KEY_FILE))) === key &&
    // A pip-less venv cannot take the gunicorn it now needs: that one is made again, with pip.
    (hasRequirements(requirements) ||
      !options.needsGunicorn ||
      (await pathExists(join(previousVenv, "bin", "gunicorn"))))
  ) {
    await run("cp", ["-al", previousVenv, venv]);
    await relocateVenv(venv, previousVenv);
    result = { venv: "reused", reusedFrom: previousDir, pip: false };
  } else {
    await exec(venvCommand(installer, python, venv, hasRequirements(requirements) || options.needsGunicorn, uv));
    // One resolver run: a second pip start-up and index round-trip cost as much as the install.
    const addGunicorn = options.needsGunicorn && !/^\s*gunicorn\b/im.test(requirements ?? "");
    if (hasRequirements(requirements))
      await exec(installCommand(installer, venv, ["-r", "requirements.txt", ...(addGunicorn ? ["gunicorn"] : [])], uv));
    result = {
      venv: "created",
      pip: hasRequirements(requirements),
      ...(addGunicorn && hasRequirements(requirements) ? { gunicorn: true } : {}),
    };
    // Written last: a half-installed venv never carries a key a later release could match.
    await writeFile(join(venv, KEY_FILE), key);
  }
  if (options.needsGunicorn && !(await pathExists(join(venv, "bin", "gunicorn")))) {
    await exec(installCommand(installer, venv, ["gunicorn"], uv));
    result.gunicorn = true;
  }
  result.python = `${options.python.version}, ${options.python.why}`;
  return result;
}

/** collectstatic runs after the build line, so assets it compiles are collected. */
export async function buildRelease(
  run: Runner,
  spec: AppSpec,
  releaseDir: string,
  previousDir: string | undefined,
  env: Record<string, string>,
  onOutput: (chunk: string) => void,
  venvOptions: VenvOptions,
): Promise<BuildResult> {
  const result = isDjangoKind(spec.kind)
    ? await buildVenv(run, spec, releaseDir, previousDir, venvOptions)
    : { venv: "none" as const, pip: false };
  if (spec.build) {
    await run("/bin/sh", ["-c", spec.build], {
      cwd: releaseDir,
      env: { ...env, ...(result.venv === "none" ? {} : { VIRTUAL_ENV: join(releaseDir, VENV) }) },
      cleanEnv: true,
      timeoutMs: BUILD_TIMEOUT_MS,
      onOutput,
    });
  }
  if (isDjangoKind(spec.kind)) {
    const optOut = collectstaticOptOut(spec, env);
    result.collectstatic = optOut
      ? `collectstatic skipped (${optOut})`
      : await collectStatic(run, releaseDir, env, onOutput);
  }
  return result;
}
