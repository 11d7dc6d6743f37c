import { Module } from "node:module";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import * as vm from "node:vm";

// Node 22's built-in cache when present, else vm.Script cachedData. V8 runs what it reads there,
// so the directory must be the user's own and 0700; a bad cache costs only the compile.
export function enableCompileCache(bundleDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const dir = compileCacheDir(env);
  if (!dir) return;
  const builtIn = (Module as unknown as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (builtIn) builtIn(dir);
  else compileThroughCache(bundleDir, dir);
}

/** $XDG_CACHE_HOME/hostctl/v8-<node version>; none when disabled or not private to this user. */
export function compileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
    const dir = join(base, "hostctl", `v8-${process.version}-${process.arch}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    const own = process.getuid === undefined || stat.uid === process.getuid();
    return own && (stat.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

interface Compilable {
  _compile: (this: Compilable, content: string, filename: string) => unknown;
  require(id: string): unknown;
  exports: unknown;
}

function compileThroughCache(bundleDir: string, cacheDir: string): void {
  const proto = Module.prototype as unknown as Compilable;
  const original = proto._compile;
  const fresh: { file: string; script: vm.Script }[] = [];
  proto._compile = function (this: Compilable, content: string, filename: string) {
    // Node 20 runs cached code without a dynamic-import callback, so a file with import() compiles
    // the ordinary way (the build leaves none).
    if (dirname(filename) !== bundleDir || content.includes("import(")) return original.call(this, content, filename);
    // Keyed on what V8 checks too (version, flags): a cache made under other flags is not read.
    const key = createHash("sha256")
      .update(`${process.version}\0${process.execArgv.join(" ")}\0${process.env.NODE_OPTIONS ?? ""}\0`)
      .update(content)
      .digest("hex");
    const file = join(cacheDir, key.slice(0, 32));
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content.startsWith("#!") ? `//${content}` : content), {
      filename,
      cachedData,
    });
    if (cachedData === undefined || script.cachedDataRejected) fresh.push({ file, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = Object.assign((id: string) => this.require(id), {
      resolve: (request: string) =>
        (Module as unknown as { _resolveFilename(r: string, m: unknown): string })._resolveFilename(request, this),
      cache: (Module as unknown as { _cache: unknown })._cache,
    });
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  // Written at exit, so the cache also holds the functions the command compiled while it ran.
  process.once("exit", () => {
    for (const { file, script } of fresh) {
      try {
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        // A cache that cannot be written is a compile the next run does again.
      }
    }
  });
}
