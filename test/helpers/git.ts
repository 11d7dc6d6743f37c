import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { tempDir } from "./tmp.js";

const IDENTITY = ["-c", "user.name=hostctl test", "-c", "user.email=test@hostctl.invalid"];

export interface TestRepo {
  dir: string;
  /** Writes files (null deletes), commits them, returns the new sha. */
  commit(message: string, files: Record<string, string | null>): Promise<string>;
  git(...args: string[]): Promise<string>;
}

/** A real Git repository (branch main) holding a copy of a fixture, or of the given files, as its first commit. */
export async function gitRepo(
  from: { fixture?: string; files?: Record<string, string> },
  message = "v1",
): Promise<TestRepo> {
  const dir = join(await tempDir("repo"), "app");
  if (from.fixture)
    await cp(from.fixture, dir, {
      recursive: true,
      filter: (src) => !/(__pycache__|db\.sqlite3|staticfiles)/.test(src),
    });
  else await mkdir(dir, { recursive: true });
  const git = async (...args: string[]): Promise<string> =>
    (await execa("git", [...IDENTITY, ...args], { cwd: dir, env: { GIT_DIR: undefined } })).stdout.trim();
  const commit = async (msg: string, files: Record<string, string | null>): Promise<string> => {
    for (const [path, content] of Object.entries(files)) {
      const target = join(dir, path);
      if (content === null) await rm(target, { force: true });
      else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
    await git("add", "-A");
    await git("commit", "-q", "--allow-empty", "-m", msg);
    return git("rev-parse", "HEAD");
  };
  await git("init", "-q", "-b", "main");
  await commit(message, from.files ?? {});
  return { dir, commit, git };
}
