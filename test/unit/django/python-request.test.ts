import { describe, expect, it } from "vitest";
import { minorOf, parsePythonVersion, versionMatches } from "../../../src/django/python-request.js";
import { includedFiles } from "../../../src/deploy/requirements-files.js";

describe("the Python a repository asks for", () => {
  it("reads runtime.txt's and .python-version's forms", () => {
    expect(parsePythonVersion("python-3.12.1\n")).toBe("3.12.1");
    expect(parsePythonVersion("3.12\n")).toBe("3.12");
    expect(parsePythonVersion("# pinned for prod\n\ncpython-3.13.0\n")).toBe("3.13.0");
    expect(parsePythonVersion("system\n")).toBeUndefined();
    expect(parsePythonVersion("pypy3.10-7.3.12\n")).toBeUndefined();
  });

  it("matches a minor request with any patch, and a patch request exactly", () => {
    expect(versionMatches("3.12", "3.12.1")).toBe(true);
    expect(versionMatches("3.12.1", "3.12.1")).toBe(true);
    expect(versionMatches("3.12.1", "3.12.10")).toBe(false);
    expect(versionMatches("3.1", "3.12.1")).toBe(false);
    expect(minorOf("3.12.1")).toBe("3.12");
  });
});

describe("requirement files", () => {
  it("follows -r, -c and their long forms, not URLs", () => {
    expect(
      includedFiles(
        "-r requirements/production.txt\n--requirement=base.txt\n-c constraints.txt\n--constraint c2.txt\n-r https://x/y.txt\nDjango\n",
      ),
    ).toEqual(["requirements/production.txt", "base.txt", "constraints.txt", "c2.txt"]);
  });
});
