import { loadHostConfig } from "../config/host.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { LagSampler } from "./lag-sampler.js";
import { collectPageData } from "./page-data.js";
import { StatusPageServer } from "./server.js";
import { statusSocketPath } from "./socket.js";

// Lag is sampled even with the page off, so turning it on shows the last day at once.
// `up` calls the returned closer after the apps stop, so the page answers until then.
export async function wireStatusPage(supervisor: Supervisor): Promise<() => Promise<void>> {
  const { ctx } = supervisor;
  supervisor.attach(new LagSampler(ctx, () => supervisor.status().apps));
  if (!ctx.host.proxy?.status) return () => Promise.resolve();
  const page = new StatusPageServer({
    log: ctx.log,
    clock: ctx.clock,
    config: async () => (await loadHostConfig(ctx.paths).catch(() => ctx.host)).proxy?.status,
    data: () => collectPageData(ctx, supervisor.status()),
  });
  const server = await page.listen(statusSocketPath(ctx.paths));
  return async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
}
