import { describe, expect, it } from "vitest";
import { LeaseConfirmation } from "../../../src/lease/confirmation.js";
import { HostctlError } from "../../../src/lib/errors.js";

describe("LeaseConfirmation", () => {
  it("is pending until the read-back, then confirmed", async () => {
    let confirm: () => void = () => undefined;
    const confirmation = new LeaseConfirmation(new Promise<void>((resolve) => (confirm = resolve)));
    expect(confirmation.state).toBe("pending");
    confirm();
    await confirmation.required();
    expect(confirmation.state).toBe("confirmed");
  });

  it("fails on LEASE_HELD: required() throws, so nothing that writes to the replica starts", async () => {
    const confirmation = new LeaseConfirmation(Promise.reject(new HostctlError("LEASE_HELD", "held by web-b")));
    expect(await confirmation.settled).toBe(false);
    expect(confirmation.state).toBe("failed");
    await expect(confirmation.required()).rejects.toMatchObject({ code: "LEASE_HELD", message: "held by web-b" });
  });

  it("counts any other failure of the read-back as confirmed, and reports it (the keeper settles the lease later)", async () => {
    const seen: unknown[] = [];
    const confirmation = new LeaseConfirmation(Promise.reject(new Error("S3 unreachable")), (error) =>
      seen.push(error),
    );
    await confirmation.required();
    expect(confirmation.state).toBe("confirmed");
    expect(seen).toHaveLength(1);
  });
});
