import type { Supervisor } from "./supervisor.js";

/** A graceful stop: `up` then stops in its order. Returns the undo. */
export function stopOnSignals(supervisor: Pick<Supervisor, "requestStop">): () => void {
  const onSignal = (signal: NodeJS.Signals) => supervisor.requestStop(signal);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}
