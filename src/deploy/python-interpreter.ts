import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { HostctlError } from "../lib/errors.js";
import { minorOf, requestedPython, versionMatches } from "../django/python-request.js";
import { findOnPath } from "./installer.js";

/** Its absolute path, its version, and why it was chosen. */
export interface ResolvedPython {
  path: string;
  version: string;
  why: string;
}

const DEFAULT_INTERPRETER = "python3";
const PROBE = ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"];

/** python.interpreter wins; else the asked version from PATH, pyenv, then `uv python find`;
 * else python3. A version nothing provides fails, naming how to install it. */
export async function resolvePython(
  run: Runner,
  spec: AppSpec,
  releaseDir: string,
  env: NodeJS.ProcessEnv,
  uv?: string,
): Promise<ResolvedPython> {
  const configured = spec.python.interpreter;
  const request = await requestedPython(spec, releaseDir);
  if (configured !== DEFAULT_INTERPRETER || !request) {
    const path = configured.includes("/") ? configured : ((await findOnPath(configured, env.PATH)) ?? configured);
    const version = await probe(run, path);
    if (version === undefined) throw missing(`python.interpreter ${configured} does not run`, configured);
    const why =
      configured !== DEFAULT_INTERPRETER
        ? "app.yml python.interpreter"
        : "python3 on PATH (no python.version, runtime.txt or .python-version)";
    return {
      path,
      version,
      why: request && configured !== DEFAULT_INTERPRETER ? `${why}; ${request.source} is not used` : why,
    };
  }
  for (const candidate of await candidates(request.version, env, run, uv)) {
    const version = await probe(run, candidate);
    if (version !== undefined && versionMatches(request.version, version))
      return { path: candidate, version, why: request.source };
  }
  throw missing(
    `${request.source} asks for Python ${request.version}; none found (python${minorOf(request.version)} on PATH, ${pyenvRoot(env)}/versions, uv python find)`,
    request.version,
  );
}

async function candidates(
  wanted: string,
  env: NodeJS.ProcessEnv,
  run: Runner,
  uv: string | undefined,
): Promise<string[]> {
  const out: string[] = [];
  const onPath = await findOnPath(`python${minorOf(wanted)}`, env.PATH);
  if (onPath) out.push(onPath);
  const versions = await readdir(join(pyenvRoot(env), "versions")).catch(() => [] as string[]);
  // Newest patch first: 3.12.10 before 3.12.9.
  const pyenv = versions
    .filter((v) => /^3\.\d+\.\d+$/.test(v) && versionMatches(wanted, v))
    .sort((a, b) => patch(b) - patch(a));
  out.push(...pyenv.map((v) => join(pyenvRoot(env), "versions", v, "bin", "python3")));
  if (uv) {
    const found = await run(uv, ["python", "find", "--no-project", wanted], { timeoutMs: 30_000 }).catch(
      () => undefined,
    );
    if (found?.stdout.trim()) out.push(found.stdout.trim());
  }
  return out;
}

// A deploy asks twice (preflight, build): one Python start per interpreter file as it stands.
const probed = new Map<string, Promise<string | undefined>>();

async function probe(run: Runner, python: string): Promise<string | undefined> {
  const file = await stat(python).catch(() => undefined);
  const key = file && `${python}\0${file.ino}\0${file.mtimeMs}\0${file.size}`;
  const known = key === undefined ? undefined : probed.get(key);
  if (known) return known;
  const version = run(python, PROBE, { timeoutMs: 30_000 }).then(
    (result) => result.stdout.trim() || undefined,
    () => undefined,
  );
  if (key === undefined) return version;
  probed.set(key, version);
  // Only a version is kept: an interpreter that failed is asked again next time.
  void version.then((v) => v === undefined && probed.delete(key));
  return version;
}

function pyenvRoot(env: NodeJS.ProcessEnv): string {
  return env.PYENV_ROOT ?? join(env.HOME ?? homedir(), ".pyenv");
}

function patch(version: string): number {
  return Number(version.split(".")[2] ?? 0);
}

function missing(message: string, version: string): HostctlError {
  return new HostctlError("PYTHON_MISSING", message, {
    hint: `install it: pyenv install ${version} (or uv python install ${version}), or set python.version / python.interpreter in app.yml`,
    exitCode: 1,
  });
}
