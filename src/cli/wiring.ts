import type { Deps } from "./deps.js";
import type { SupervisorWiring } from "./commands/up.js";

/** Connects the supervisor to the deploy and drill features (composition root; supervisor imports neither). */
export function supervisorWiring(_deps: Deps): SupervisorWiring {
  return {};
}
