import { describe, expect, it } from "vitest";
import { exposureWarning, isLoopback, listeningAddresses } from "../../../src/supervisor/port-exposure.js";

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const row = (local: string, st = "0A") =>
  `   0: ${local} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n`;

describe("what a web process listens on", () => {
  it("decodes IPv4 and IPv6 listeners of one port from /proc/net tables, ignoring other ports and states", () => {
    const v4 = HEADER + row("00000000:4651") + row("0100007F:4651") + row("0100007F:4652") + row("00000000:4651", "01");
    expect(listeningAddresses(v4, 0x4651)).toEqual(["0.0.0.0", "127.0.0.1"]);
    const v6 =
      HEADER +
      row("00000000000000000000000000000000:4651") +
      row("00000000000000000000000001000000:4651") +
      row("0000000000000000FFFF00000100007F:4651");
    expect(listeningAddresses(v6, 0x4651)).toEqual(["::", "::1", "::ffff:127.0.0.1"]);
  });

  it("counts only loopback addresses as not exposed", () => {
    expect(["127.0.0.1", "127.0.1.1", "::1", "::ffff:127.0.0.1"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "::", "10.0.0.5"].some(isLoopback)).toBe(false);
  });

  it("warns naming the addresses and the fix, and says nothing for a loopback-only listener", () => {
    expect(exposureWarning(18001, [])).toBeUndefined();
    expect(exposureWarning(18001, ["0.0.0.0", "::"])).toMatch(
      /^the web process listens on 0\.0\.0\.0:18001, \[::\]:18001, not only on loopback: .*http-socket = 127\.0\.0\.1:\$\(PORT\)/,
    );
  });
});
