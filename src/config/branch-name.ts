/** Pure: git's rules (a test asks git itself). A passing branch may still hold `$(…)`, so hooks
 * get it as data, never as code. */
export function branchProblem(branch: string): string | undefined {
  const why = (reason: string): string => `expected a Git branch name (git check-ref-format --branch): ${reason}`;
  if (branch === "") return why("it is empty");
  if (branch.startsWith("-")) return why("it starts with '-'");
  if (branch === "@" || branch === "HEAD") return why(`'${branch}' is not a branch`);
  if (/[\0-\x20\x7f~^:?*[\\]/.test(branch))
    return why("it contains a space, a control character or one of ~ ^ : ? * [ \\");
  if (branch.includes("..")) return why("it contains '..'");
  if (branch.includes("@{")) return why("it contains '@{'");
  if (branch.startsWith("/") || branch.endsWith("/") || branch.includes("//"))
    return why("it has an empty '/'-separated part");
  if (branch.endsWith(".")) return why("it ends with '.'");
  if (branch.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock")))
    return why("a part starts with '.' or ends with '.lock'");
  return undefined;
}
