import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";

export type Installer = "pip" | "uv";

/** An executable named `name` in a directory of PATH, or undefined. */
export async function findOnPath(name: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? "").split(delimiter).filter((d) => d !== "")) {
    const file = join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** Pure: `auto` is uv when one was found on PATH, else pip; an explicit choice stays. */
export function chooseInstaller(choice: AppSpec["python"]["installer"], uv: string | undefined): Installer {
  if (choice === "auto") return uv ? "uv" : "pip";
  return choice;
}

export interface VenvCommand {
  file: string;
  args: string[];
}

/** Pure: pip-less when nothing will be installed. */
export function venvCommand(
  installer: Installer,
  python: AppSpec["python"],
  venv: string,
  withPip: boolean,
  uv = "uv",
): VenvCommand {
  const site = python.system_site_packages ? ["--system-site-packages"] : [];
  if (installer === "uv") return { file: uv, args: ["venv", "--quiet", "--python", python.interpreter, ...site, venv] };
  return { file: python.interpreter, args: ["-m", "venv", ...site, ...(withPip ? [] : ["--without-pip"]), venv] };
}

/** Pure: installs `what` (pip arguments, e.g. `-r requirements.txt`) into the venv. */
export function installCommand(installer: Installer, venv: string, what: readonly string[], uv = "uv"): VenvCommand {
  if (installer === "uv")
    return { file: uv, args: ["pip", "install", "--python", join(venv, "bin", "python"), ...what] };
  return {
    file: join(venv, "bin", "python"),
    args: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", ...what],
  };
}

/** One download cache for all apps: a cold venv installs known requirements from disk.
 * PIP_CACHE_DIR / UV_CACHE_DIR in hostctl's environment win (CI shares one). */
export function installerCacheEnv(paths: HostPaths, env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    PIP_CACHE_DIR: env.PIP_CACHE_DIR ?? join(paths.home, "cache", "pip"),
    UV_CACHE_DIR: env.UV_CACHE_DIR ?? join(paths.home, "cache", "uv"),
  };
}
