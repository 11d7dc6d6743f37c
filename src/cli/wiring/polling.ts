import type { Timer } from "../../lib/clock.js";
import { errorMessage } from "../../lib/errors.js";
import { parseDuration } from "../../lib/duration.js";
import { pollDeps, pollOnce, type PollState } from "../../deploy/poll.js";
import type { Supervisor } from "../../supervisor/main.js";
import type { AppUnit } from "../../supervisor/app-unit.js";

/** GitOps: each app with deploy.poll has its branch checked at that interval; new commits are deployed. */
export function wirePolling(supervisor: Supervisor): void {
  const { ctx } = supervisor;
  const timers = new Map<string, Timer>();
  const watch = (unit: AppUnit) => {
    const every = unit.spec.deploy.poll ? parseDuration(unit.spec.deploy.poll) : undefined;
    if (!every || timers.has(unit.spec.name)) return;
    let state: PollState = {};
    let busy = false;
    const deps = pollDeps(ctx);
    timers.set(unit.spec.name, ctx.clock.setInterval(() => {
      // Only a running app is polled: a first deploy or a restore owns it until then. A host that lost the
      // lease deploys nothing: the release phase would write to databases nobody replicates any more.
      if (busy || unit.state !== "running" || supervisor.fenced) return;
      busy = true;
      pollOnce(unit.spec, ctx, state, deps)
        .then((outcome) => {
          state = outcome.state;
          unit.report("deploy_poll", { ...state, last_action: outcome.action });
          if (outcome.action === "deployed" || outcome.action === "failed") {
            ctx.log.info({ event: `deploy.poll_${outcome.action}`, app: unit.spec.name, commit: outcome.commit, release: outcome.release, error: outcome.error }, `git poll: ${outcome.action}`);
          }
        })
        .catch((error: unknown) => ctx.log.error({ event: "deploy.poll_crashed", app: unit.spec.name, reason: errorMessage(error) }, "git poll crashed"))
        .finally(() => {
          busy = false;
        });
    }, every));
  };
  for (const unit of supervisor.units.values()) watch(unit);
  supervisor.onUnits({
    added: watch,
    removed: (name) => {
      timers.get(name)?.cancel();
      timers.delete(name);
    },
  });
  supervisor.onStop(() => {
    for (const timer of timers.values()) timer.cancel();
    timers.clear();
  });
}
