import type { Supervisor } from "./supervisor.js";

/** SIGTERM and SIGINT ask the supervisor to stop (graceful: `up` then stops in its order); returns the undo. */
export function stopOnSignals(supervisor: Pick<Supervisor, "requestStop">): () => void {
  const onSignal = (signal: NodeJS.Signals) => supervisor.requestStop(signal);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}
