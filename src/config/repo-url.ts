// Never an option, a remote helper (`ext::` runs commands) or credentials: the URL is stored,
// mirrored, printed and passed to git, so a token would leak (docs/security.md).
const SCHEMES = new Set(["https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"]);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const SCP_WITH_PASSWORD = /^[^/@]*:[^/@]*@/;

export const CREDENTIALS_HINT =
  "keep credentials out of the URL: use a deploy key (ssh://git@host/org/app.git, key in the service user's ~/.ssh) " +
  "or a Git credential helper (git config --global credential.helper store, token in ~/.git-credentials, mode 0600)";

/** Pure: why `repo` is refused, or undefined when Git may be pointed at it. */
export function repoProblem(repo: string): string | undefined {
  if (repo === "") return "expected a Git URL or a local path";
  if (repo.startsWith("-"))
    return "expected a Git URL or a local path, got a value starting with '-' (an option to git)";
  if ([...repo].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return "expected a Git URL or a local path without control characters";
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(repo))
    return "remote-helper addresses (transport::address) are not allowed: they run commands";
  const scheme = SCHEME.exec(repo)?.[1]?.toLowerCase();
  if (scheme !== undefined) return urlProblem(repo, scheme);
  // scp-like user@host:path names an ssh login; "user:password@host:path" carries a password.
  if (!repo.startsWith("/") && !repo.startsWith(".") && SCP_WITH_PASSWORD.test(repo))
    return `a password in the URL is not allowed; ${CREDENTIALS_HINT}`;
  return undefined;
}

function urlProblem(repo: string, scheme: string): string | undefined {
  if (!SCHEMES.has(scheme)) return `URL scheme "${scheme}" is not allowed (expected https, http, ssh, git or file)`;
  let url: URL;
  try {
    url = new URL(repo);
  } catch {
    return "expected a valid URL";
  }
  // ssh:// names the login user (git@host); any other scheme's user-info is a credential.
  const isSsh = scheme.includes("ssh");
  if (url.password !== "" || (!isSsh && url.username !== ""))
    return `credentials in the URL are not allowed; ${CREDENTIALS_HINT}`;
  // Git appends its own paths and queries, so a query never belongs; it can carry a token.
  if (url.search !== "" || repo.includes("?"))
    return `a query string in the URL is not allowed (it can carry a token such as ?access_token=); ${CREDENTIALS_HINT}`;
  return undefined;
}
