import { mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { commandDiskFull } from "../lib/disk.js";
import type { Runner } from "../lib/exec.js";
import { HostctlError } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";

const GIT_TIMEOUT_MS = 10 * 60_000;

/** Git must never pick up a repository from the environment (a post-receive hook sets GIT_DIR). */
export function gitEnv(): Record<string, string | undefined> {
  return {
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_INDEX_FILE: undefined,
    GIT_QUARANTINE_PATH: undefined,
    GIT_OBJECT_DIRECTORY: undefined,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: undefined,
    GIT_TERMINAL_PROMPT: "0",
  };
}

/** User values follow --end-of-options so git never reads them as options
 * (a repo of "--upload-pack=CMD" would run CMD). */
export function fetchArgs(
  mirror: string,
  remote: string,
  refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
): string[] {
  return [
    `--git-dir=${mirror}`,
    "fetch",
    "--prune",
    "--no-auto-gc",
    "--quiet",
    "--end-of-options",
    remote,
    ...refspecs,
  ];
}

/** Refs pushed to push.git land in their own namespace so upstream fetches never prune them. */
export const PUSH_REFSPECS = ["+refs/heads/*:refs/push/heads/*"];

/** Pure argv: sha on the first line, subject on the second, in one git process. */
export function commitArgs(mirror: string, ref: string): string[] {
  return [
    `--git-dir=${mirror}`,
    "log",
    "-1",
    "--no-walk",
    "--format=%H%n%s",
    "--end-of-options",
    `${ref}^{commit}`,
    "--",
  ];
}

export function archiveArgs(mirror: string, sha: string, tarFile: string): string[] {
  // tar.umask 022: release files are not group-writable (git's default umask for archives is 002).
  return [
    `--git-dir=${mirror}`,
    "-c",
    "tar.umask=0022",
    "archive",
    "--format=tar",
    `--output=${tarFile}`,
    "--end-of-options",
    sha,
  ];
}

export function lsRemoteArgs(remote: string, branch: string): string[] {
  return ["ls-remote", "--exit-code", "--end-of-options", remote, `refs/heads/${branch}`];
}

export async function ensureMirror(run: Runner, mirror: string): Promise<void> {
  if (await pathExists(join(mirror, "HEAD"))) return;
  await mkdir(mirror, { recursive: true });
  await run("git", ["init", "--bare", "--quiet", mirror], { env: gitEnv() });
}

/** A failed fetch leaves tmp objects and packs; on a full disk every retry kept it full.
 * Fetches run under the deploy lock; only a concurrent `app check` can lose its files here. */
async function removeFetchDebris(mirror: string): Promise<void> {
  const objects = join(mirror, "objects");
  const entries = await readdir(objects, { recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (/^tmp_(obj|pack|idx|rev)_/.test(entry.split("/").pop() ?? "")) await rm(join(objects, entry), { force: true });
    else if (/^incoming-/.test(entry)) await rm(join(objects, entry), { recursive: true, force: true });
  }
}

export async function fetchMirror(run: Runner, mirror: string, remote: string, refspecs?: string[]): Promise<void> {
  await ensureMirror(run, mirror);
  try {
    await run("git", fetchArgs(mirror, remote, refspecs), { env: gitEnv(), timeoutMs: GIT_TIMEOUT_MS });
  } catch (error) {
    await removeFetchDebris(mirror);
    throw commandDiskFull(error, dirname(mirror)) ?? error;
  }
}

export interface Commit {
  sha: string;
  message: string;
}

/** Resolves a branch, tag or sha in the mirror (push refs first when asked) to a commit. */
export async function resolveCommit(run: Runner, mirror: string, refs: readonly string[]): Promise<Commit> {
  for (const ref of refs) {
    try {
      const { stdout } = await run("git", commitArgs(mirror, ref), { env: gitEnv() });
      const [sha = "", ...subject] = stdout.split("\n");
      if (!/^[0-9a-f]{40,64}$/.test(sha)) continue;
      return { sha, message: subject.join("\n").trim() };
    } catch {
      // Try the next spelling of the ref.
    }
  }
  throw new HostctlError("DEPLOY_FAILED", `ref "${refs[0] ?? ""}" is not a branch, tag or commit of ${mirror}`, {
    exitCode: 2,
    hint: `list branches: git --git-dir=${mirror} branch -a`,
  });
}

/** Pure: lookups, most specific first; a full commit id is tried as itself first (one lookup). */
export function refCandidates(ref: string, fromPush: boolean): string[] {
  const branch = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(ref)
    ? [ref, `refs/heads/${ref}`, `refs/tags/${ref}`]
    : [`refs/heads/${ref}`, `refs/tags/${ref}`, ref];
  return fromPush ? [`refs/push/heads/${ref}`, ...branch] : branch;
}

/** git archive → tar -x: the release gets the tracked files of the commit and no .git. */
export async function materialise(run: Runner, mirror: string, sha: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tarFile = `${dir}.tar`;
  try {
    await run("git", archiveArgs(mirror, sha, tarFile), { env: gitEnv(), timeoutMs: GIT_TIMEOUT_MS });
    await run("tar", ["-x", "-f", tarFile, "-C", dir], { timeoutMs: GIT_TIMEOUT_MS });
  } catch (error) {
    throw commandDiskFull(error, dirname(dir)) ?? error;
  } finally {
    await rm(tarFile, { force: true });
  }
}

/** The sha the remote's branch points at (polling); undefined when the branch does not exist. */
export async function lsRemote(run: Runner, remote: string, branch: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", lsRemoteArgs(remote, branch), { env: gitEnv(), timeoutMs: 60_000 });
    return stdout.split(/\s/)[0] || undefined;
  } catch (error) {
    if (error instanceof HostctlError && "exitStatus" in error && error.exitStatus === 2) return undefined;
    throw error;
  }
}
