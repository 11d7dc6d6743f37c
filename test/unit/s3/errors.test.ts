import { describe, expect, it } from "vitest";
import { classifyS3Error } from "../../../src/s3/errors.js";

describe("classifyS3Error", () => {
  it.each([
    [{ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } }, "bucket-missing"],
    [{ name: "InvalidAccessKeyId", $metadata: { httpStatusCode: 403 } }, "credentials"],
    [{ name: "SignatureDoesNotMatch" }, "credentials"],
    [{ name: "Unknown", $metadata: { httpStatusCode: 403 } }, "credentials"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "unreachable"],
    [{ name: "TimeoutError" }, "unreachable"],
  ])("classifies %j as %s", (error, expected) => {
    expect(classifyS3Error(error)).toBe(expected);
  });
});
