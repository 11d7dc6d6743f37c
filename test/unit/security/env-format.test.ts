import { describe, expect, it } from "vitest";
import { formatEnvText, parseEnvText } from "../../../src/lib/env-format.js";
import { isReservedEnv, refuseReservedEnv } from "../../../src/apps/env-reserved.js";

describe("env file format", () => {
  it.each([
    ["plain"],
    [""],
    ['"quoted"'],
    ["'single'"],
    ["trailing  "],
    ["  leading"],
    ["cr\r"],
    ["two\nlines"],
    ["tab\there"],
    ["back\\slash"],
    ["a#b"],
    ["$HOME and `cmd`"],
    ["=equals="],
    ["ünïcödé ✓"],
    ["mixed \"'\\\n\r\t"],
    ["#"],
    ["\\n literally"],
  ])("%j is written and read back byte for byte", (value) => {
    const text = formatEnvText({ K: value, A: "x" });
    expect(parseEnvText(text, "env")).toEqual({ A: "x", K: value });
    expect(parseEnvText(formatEnvText(parseEnvText(text, "env")), "env")).toEqual({ A: "x", K: value });
  });

  it("reads the three value forms as documented", () => {
    expect(parseEnvText(`A=raw value  \nB="q\\"\\n"\nC='lit\\n'  \n# comment\n\nexport D=1\n`, "env")).toEqual({
      A: "raw value  ",
      B: 'q"\n',
      C: "lit\\n",
      D: "1",
    });
  });

  it.each([
    ["NOEQUALS", "env:1:1 expected KEY=VALUE"],
    ["1X=a", "env:1:1 expected KEY=VALUE"],
    ["K = v", "env:1:1 expected KEY=VALUE"],
    ['K="open', "env:1:1 K: unterminated double quote"],
    ["K='open", "env:1:1 K: unterminated single quote"],
    ['K="a"b', "env:1:1 K: unexpected text after the closing quote"],
    ['K="\\q"', "env:1:1 K: unknown escape \\q"],
    ["K=a\r", "env:1:1 K: control character"],
    ["K=1\nK=2", "env:2:1 K: set twice"],
  ])("%j is an error naming the line", (text, message) => {
    expect(() => parseEnvText(text, "env")).toThrow(message);
  });

  it("PORT, DATABASE_URL and HOSTCTL_* are reserved; SECRET_KEY is the app's", () => {
    expect(["PORT", "DATABASE_URL", "HOSTCTL_APP", "HOSTCTL_ANYTHING"].every(isReservedEnv)).toBe(true);
    expect(["SECRET_KEY", "PORTS", "DJANGO_SETTINGS_MODULE"].some(isReservedEnv)).toBe(false);
    expect(() => refuseReservedEnv(["A", "DATABASE_URL"])).toThrow("variable DATABASE_URL is set by hostctl");
  });
});
