import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import type { Timer } from "../lib/clock.js";
import { parseDuration } from "../lib/duration.js";
import { errorMessage } from "../lib/errors.js";
import type { AppLoop } from "../lib/loop.js";
import type { AppFacts } from "../supervisor/control-protocol.js";
import { pollOnce, type PollOutcome, type PollState } from "./poll.js";

/** What polling needs of a supervised app. */
export interface PolledApp {
  spec: AppSpec;
  state: string;
  report(key: "deploy_poll", value: AppFacts["deploy_poll"]): void;
}

export interface DeployPollOptions {
  /** Another host owns the replica: a release phase here would write unreplicated. */
  fenced: () => boolean;
  /** One check of an app's branch (tests hand in their own); default: pollOnce against git. */
  poll?: (spec: AppSpec, state: PollState) => Promise<PollOutcome>;
}

interface Watched {
  timer: Timer;
  state: PollState;
  busy: Promise<void> | undefined;
}

/** GitOps: each deploy.poll app's branch is checked at that interval; new commits deploy. */
export class DeployPollLoop implements AppLoop<PolledApp> {
  private readonly watched = new Map<string, Watched>();
  private readonly poll: (spec: AppSpec, state: PollState) => Promise<PollOutcome>;

  constructor(
    private readonly ctx: HostContext,
    private readonly options: DeployPollOptions,
  ) {
    this.poll = options.poll ?? ((spec, state) => pollOnce(spec, ctx, state));
  }

  start(): void {
    // Each app's timer starts when it is added.
  }

  add(app: PolledApp): void {
    const every = app.spec.deploy.poll ? parseDuration(app.spec.deploy.poll) : undefined;
    if (!every || this.watched.has(app.spec.name)) return;
    const entry: Watched = {
      timer: this.ctx.clock.setInterval(() => this.round(app, entry), every),
      state: {},
      busy: undefined,
    };
    this.watched.set(app.spec.name, entry);
  }

  remove(name: string): void {
    this.watched.get(name)?.timer.cancel();
    this.watched.delete(name);
  }

  /** A deploy in progress is not waited for: it holds the deploy lock and ends on its own. */
  stop(): Promise<void> {
    for (const name of [...this.watched.keys()]) this.remove(name);
    return Promise.resolve();
  }

  private round(app: PolledApp, entry: Watched): void {
    // Only a running app: a first deploy or restore owns it until then. A host without the lease
    // deploys nothing: the release phase would write to databases nobody replicates.
    if (entry.busy || app.state !== "running" || this.options.fenced()) return;
    const { log } = this.ctx;
    entry.busy = this.poll(app.spec, entry.state)
      .then((outcome) => {
        entry.state = outcome.state;
        app.report("deploy_poll", { ...outcome.state, last_action: outcome.action });
        if (outcome.action === "deployed" || outcome.action === "failed") {
          log.info(
            {
              event: `deploy.poll_${outcome.action}`,
              app: app.spec.name,
              commit: outcome.commit,
              release: outcome.release,
              error: outcome.error,
            },
            `git poll: ${outcome.action}`,
          );
        }
      })
      .catch((error: unknown) =>
        log.error(
          { event: "deploy.poll_crashed", app: app.spec.name, reason: errorMessage(error) },
          "git poll crashed",
        ),
      )
      .finally(() => {
        entry.busy = undefined;
      });
  }
}
