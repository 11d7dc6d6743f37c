import { hostname } from "node:os";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import type { CommandResult, Deps } from "../deps.js";
import { table } from "../output.js";
import { loadHostConfig } from "../../config/host.js";
import { controlKey } from "../../config/replica.js";
import { loadApps } from "../../apps/registry.js";
import { selectEngine } from "../../litestream/select.js";
import { versionArgs } from "../../litestream/args.js";
import { readS3Credentials } from "../../s3/credentials.js";
import { createReplicaStore } from "../../s3/store.js";
import { proxyChecks } from "../../proxy/doctor-checks.js";
import { caddyPaths } from "../../proxy/caddy-process.js";
import { litefsChecks } from "../../litefs/doctor-checks.js";
import { callControl } from "../../supervisor/control-client.js";
import type { AppStatus, ProxyStatus } from "../../supervisor/control-protocol.js";
import type { AppSpec } from "../../config/schema.js";
import { appPaths } from "../../config/paths.js";
import { diskSpace } from "../../lib/disk.js";
import { check, type Check } from "../../lib/check.js";
import { releasePython } from "../../apps/release-env.js";

// The live release's virtualenv, else the app's interpreter (which a first deploy builds the
// venv from).
async function djangoVersion(app: AppSpec, deps: Deps): Promise<string> {
  const python = await releasePython(app, appPaths(deps.paths, app.name).current);
  try {
    // As the app runs it: PYTHONPATH or PYTHONHOME in the caller's shell would show another Django.
    const env = { PATH: `${dirname(python)}:/usr/local/bin:/usr/bin:/bin`, LANG: "C.UTF-8" };
    const out = await deps.run(python, ["-c", "import django; print(django.get_version())"], {
      timeoutMs: 20_000,
      env,
      cleanEnv: true,
    });
    return `Django ${out.stdout.trim()} (${python})`;
  } catch {
    throw new Error(
      `${python} cannot import Django: add Django to the repo's requirements.txt (deploys pip install it) or install it for ${python}`,
    );
  }
}

/** Preflight: binaries, each app's Python, and a put/get/delete round trip to the replica. */
export async function doctor(deps: Deps): Promise<CommandResult> {
  const host = await loadHostConfig(deps.paths);
  const apps = await loadApps(deps.paths);
  const checks: Check[] = [];
  checks.push(
    await check("litestream", async () => {
      const engine = await selectEngine(host, deps.env, deps.run);
      const reported = (await deps.run(engine.binary, versionArgs(), { timeoutMs: 10_000 })).stdout.trim();
      return `${reported} (${engine.binary}; engine ${engine.line}${engine.line === "0.3" ? ", template litestream.yml.tmpl" : ", template litestream-0.5.yml.tmpl"})`;
    }),
  );
  checks.push(
    await check(`disk ${deps.paths.home}`, async () => {
      const disk = await diskSpace(deps.paths.home);
      if (!disk) throw new Error(`cannot read the free space of ${deps.paths.home}`);
      const mib = (disk.free_bytes / 1024 / 1024).toFixed(1);
      if (disk.full) throw new Error(`disk full: ${mib} MiB free; free space (df -h ${deps.paths.home}, old releases)`);
      return `${mib} MiB free`;
    }),
  );
  checks.push(
    await check("git", async () => (await deps.run("git", ["--version"], { timeoutMs: 10_000 })).stdout.trim()),
  );
  checks.push(
    await check(
      "sqlite3",
      async () => (await deps.run("sqlite3", ["--version"], { timeoutMs: 10_000 })).stdout.trim().split(" ")[0] ?? "",
    ),
  );
  for (const python of new Set(apps.filter((a) => a.kind !== "generic").map((a) => a.python.interpreter))) {
    const users = apps
      .filter((a) => a.python.interpreter === python)
      .map((a) => a.name)
      .join(", ");
    checks.push(
      await check(`python ${python} (${users})`, async () =>
        (
          await deps.run(python, ["-c", "import sys, venv; print(sys.version.split()[0])"], { timeoutMs: 10_000 })
        ).stdout.trim(),
      ),
    );
  }
  for (const app of apps.filter((a) => a.kind !== "generic"))
    checks.push(await check(`django for ${app.name}`, () => djangoVersion(app, deps)));
  const live = await callControl(deps.paths, "status", { timeoutMs: 5000 });
  const proxyState = live?.ok === true ? live.body.proxy : undefined;
  const proxyRunning = proxyState?.state === "running" || proxyState?.state === "unresponsive";
  checks.push(...(await proxyChecks(host, apps, deps.run, deps.env.PATH, proxyRunning, caddyPaths(deps.paths))));
  if (proxyState && proxyState.state !== "off") checks.push(frontDoorAnswers(proxyState));
  if (live?.ok === true) checks.push(...webListeners(live.body.apps, host.proxy?.require_loopback === true));
  checks.push(...(await litefsChecks(host, apps, deps.run, process.getuid?.())));
  const store = createReplicaStore(host, await readS3Credentials(host, deps.env));
  checks.push(
    await check(`replica ${host.replica.url}`, async () => {
      const key = controlKey(store.target, "doctor", `${hostname()}-${randomBytes(4).toString("hex")}`);
      const body = `hostctl doctor ${new Date().toISOString()}`;
      await store.put(key, body);
      const back = await store.get(key);
      await store.delete(key);
      if (back?.toString() !== body)
        throw new Error(`read back ${back === undefined ? "nothing" : "different bytes"} from ${key}`);
      return "put, get and delete work";
    }),
  );
  store.close();
  const ok = checks.every((c) => c.ok);
  const text = table([["CHECK", "OK", "DETAIL"], ...checks.map((c) => [c.name, c.ok ? "ok" : "FAIL", c.detail])]);
  return {
    text: `${text}\n${ok ? "all checks passed" : "some checks failed"}`,
    data: { ok, checks },
    exitCode: ok ? 0 : 1,
  };
}

/** From the supervisor's probes of Caddy: answering now, and any stall it restarted. */
function frontDoorAnswers(proxy: ProxyStatus): Check {
  const name = "proxy answers its probes";
  if (proxy.state === "unresponsive")
    return { name, ok: false, detail: `${proxy.reason ?? "no answer"}; the supervisor kills and restarts it` };
  const stalls = proxy.stall_restarts
    ? `; stalled and was restarted ${proxy.stall_restarts}× (last at ${proxy.last_stall_restart_at ?? "?"}): see hostctl logs --process caddy`
    : "";
  return { name, ok: true, detail: `admin API and HTTP listener answer${stalls}` };
}

/** Web processes behind the proxy belong on loopback (a failure under require_loopback). */
function webListeners(apps: readonly AppStatus[], requireLoopback: boolean): Check[] {
  return apps
    .filter((a) => a.live_port !== undefined)
    .map((a) => {
      const name = `web of ${a.name} on loopback only`;
      if (!a.exposed) return { name, ok: true, detail: `127.0.0.1:${a.live_port ?? ""}` };
      return { name, ok: !requireLoopback, detail: `${requireLoopback ? "" : "warning: "}${a.exposed}` };
    });
}
