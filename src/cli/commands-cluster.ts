import type { Command } from "commander";
import { commands, type Runner } from "./command-loaders.js";
import type { RejoinFlags } from "./commands/cluster.js";

/** hostctl cluster: status, promote, rejoin (LiteFS). */
export function registerClusterCommands(program: Command, run: Runner): void {
  const cluster = program
    .command("cluster")
    .description("LiteFS clusters (docs/litefs.md): status, promote a replica, rejoin as a replica");
  cluster
    .command("status")
    .description("each LiteFS app's role on this node, its primary, positions and lag")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.cluster()).status(deps), o.json));
  cluster
    .command("promote")
    .description("make this replica the primary (static lease) when the primary is gone; hostctl up must be stopped")
    .option("--force", "take the replica lease even though the old primary's is fresh (only once it is surely gone)")
    .option("--json", "JSON output")
    .action((o: { force?: boolean; json?: boolean }) => run(async (deps) => (await commands.cluster()).promote(o, deps), o.json));
  cluster
    .command("rejoin")
    .description("make this node (an old primary) a replica of the current primary; hostctl up must be stopped")
    .option("--primary <node>", "the primary's node name")
    .option("--primary-advertise <url>", "the primary's litefs.advertise")
    .option("--primary-front-door <url>", "the primary's front door, for writes")
    .option("--primary-port-base <n>", "the primary's litefs.port_base (default: this node's)")
    .option("--json", "JSON output")
    .action((o: RejoinFlags & { json?: boolean }) => run(async (deps) => (await commands.cluster()).rejoin(o, deps), o.json));
}
