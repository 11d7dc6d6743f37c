import type { LitefsHostConfig } from "../config/litefs-schema.js";
import type { LeaseNode } from "../lease/decision.js";

/** What an old primary's `cluster rejoin` needs from the replica lease's holder. */
export function leaseNodeOf(litefs: LitefsHostConfig): LeaseNode {
  const frontDoor = litefs.front_doors[litefs.node];
  return {
    node: litefs.node,
    advertise: litefs.advertise,
    port_base: litefs.port_base,
    ...(frontDoor === undefined ? {} : { front_door: frontDoor }),
  };
}
