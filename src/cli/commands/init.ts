import { mkdir, readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { asArgumentError, numberOrText } from "../arguments.js";
import { validateHostConfig, saveHostConfig } from "../../config/host.js";
import { checkHostRules } from "../../config/host-rules.js";
import { controlKey, parseReplicaUrl } from "../../config/replica.js";
import type { HostConfig } from "../../config/schema.js";
import { HostctlError, errorMessage, usageError } from "../../lib/errors.js";
import { parseEnvFile } from "../../lib/env-file.js";
import { pathExists, writeFileAtomic } from "../../lib/fs.js";
import { loadApps } from "../../apps/registry.js";
import { writeLitestreamConfigs } from "../../litestream/config-files.js";
import { readS3Credentials } from "../../s3/credentials.js";
import { createReplicaStore } from "../../s3/store.js";

export interface InitOptions {
  replicaUrl?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3ForcePathStyle?: boolean;
  s3CredentialsFile?: string;
  metricsPortBase?: string;
  httpPort?: string;
  httpsPort?: string;
  tls?: string;
  acmeEmail?: string;
  proxyBind?: string;
  statusDomain?: string;
  internalPortBase?: string;
  force?: boolean;
}

const FLAGS = {
  "replica.url": "--replica-url",
  "replica.s3.endpoint": "--s3-endpoint",
  "replica.s3.region": "--s3-region",
  "replica.s3.credentials_file": "--s3-credentials-file",
  "litestream.metrics_port_base": "--metrics-port-base",
  "proxy.http_port": "--http-port",
  "proxy.https_port": "--https-port",
  "proxy.tls": "--tls",
  "proxy.acme_email": "--acme-email",
  "proxy.bind": "--proxy-bind",
  "proxy.status.domain": "--status-domain",
  "proxy.internal_port_base": "--internal-port-base",
};

async function checkCredentialsFile(file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw usageError(`argument --s3-credentials-file: cannot read ${file}: ${errorMessage(error)}`);
  }
  const env = parseEnvFile(text);
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    throw usageError(
      `argument --s3-credentials-file: ${file} must hold AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines`,
    );
  }
}

/** Pure: any of these flags turns the front door on; without them apps serve on their ports. */
export function proxyInput(o: InitOptions): { proxy?: Record<string, unknown> } {
  if (
    o.httpPort === undefined &&
    o.httpsPort === undefined &&
    o.tls === undefined &&
    o.acmeEmail === undefined &&
    o.proxyBind === undefined &&
    o.statusDomain === undefined &&
    o.internalPortBase === undefined
  )
    return {};
  return {
    proxy: {
      ...(o.httpPort === undefined ? {} : { http_port: numberOrText(o.httpPort) }),
      ...(o.httpsPort === undefined ? {} : { https_port: numberOrText(o.httpsPort) }),
      ...(o.tls === undefined ? {} : { tls: o.tls }),
      ...(o.acmeEmail === undefined ? {} : { acme_email: o.acmeEmail }),
      ...(o.proxyBind === undefined ? {} : { bind: o.proxyBind }),
      ...(o.statusDomain === undefined ? {} : { status: { domain: o.statusDomain } }),
      ...(o.internalPortBase === undefined ? {} : { internal_port_base: numberOrText(o.internalPortBase) }),
    },
  };
}

/** Writes hostctl.yml. S3 being unreachable is a warning, never a failure: `doctor` says why. */
export async function initHost(options: InitOptions, deps: Deps): Promise<CommandResult> {
  const { paths } = deps;
  if (!options.replicaUrl)
    throw usageError("missing --replica-url", "example: hostctl init --replica-url s3://my-bucket/hostctl");
  if ((await pathExists(paths.hostConfig)) && !options.force) {
    throw new HostctlError("HOST_EXISTS", `${paths.hostConfig} already exists`, {
      exitCode: 2,
      hint: "pass --force to overwrite it",
    });
  }
  const credentialsFile = options.s3CredentialsFile === undefined ? undefined : resolve(options.s3CredentialsFile);
  let config: HostConfig;
  try {
    config = validateHostConfig(
      {
        replica: {
          url: options.replicaUrl,
          s3: {
            ...(options.s3Endpoint === undefined ? {} : { endpoint: options.s3Endpoint }),
            ...(options.s3Region === undefined ? {} : { region: options.s3Region }),
            ...(options.s3ForcePathStyle === undefined ? {} : { force_path_style: options.s3ForcePathStyle }),
            ...(credentialsFile === undefined ? {} : { credentials_file: credentialsFile }),
          },
        },
        ...(options.metricsPortBase === undefined
          ? {}
          : { litestream: { metrics_port_base: numberOrText(options.metricsPortBase) } }),
        ...proxyInput(options),
      },
      paths.hostConfig,
    );
    checkHostRules(config, paths.home, paths.hostConfig);
  } catch (error) {
    throw asArgumentError(error, FLAGS);
  }
  if (credentialsFile !== undefined) await checkCredentialsFile(credentialsFile);
  const target = parseReplicaUrl(config.replica.url);
  const warnings: string[] = [];
  const envKeys = deps.env.AWS_ACCESS_KEY_ID && deps.env.AWS_SECRET_ACCESS_KEY;
  if (target.kind === "s3" && credentialsFile === undefined && envKeys) {
    // Keep the keys from this shell for the supervisor (systemd gives it no AWS_* environment).
    await writeFileAtomic(
      paths.credentials,
      `AWS_ACCESS_KEY_ID=${deps.env.AWS_ACCESS_KEY_ID}\nAWS_SECRET_ACCESS_KEY=${deps.env.AWS_SECRET_ACCESS_KEY}\n`,
      0o600,
    );
    config.replica.s3.credentials_file = paths.credentials;
  } else if (target.kind === "s3" && credentialsFile === undefined) {
    warnings.push(
      "no S3 credentials given (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or --s3-credentials-file): Litestream will use its default chain",
    );
  }
  if (target.kind === "file") {
    if (!isAbsolute(target.dir))
      throw usageError(`argument --replica-url: expected an absolute file:/// path, got ${options.replicaUrl}`);
    // A file:// replica holds every site's data: owner-only, like apps/<app>/data.
    await mkdir(target.dir, { recursive: true, mode: 0o700 });
  }
  await mkdir(paths.home, { recursive: true, mode: 0o755 });
  await Promise.all(
    [paths.apps, paths.run, paths.pids, paths.locks, paths.litestreamConfigs].map((dir) =>
      mkdir(dir, { recursive: true }),
    ),
  );
  await saveHostConfig(paths, config);
  await writeLitestreamConfigs(paths, config, await loadApps(paths));
  const store = createReplicaStore(config, await readS3Credentials(config, deps.env));
  let found = 0;
  try {
    await store.list(target.kind === "s3" ? `${target.prefix}/` : target.dir, 1);
    // A replacement host's replica already holds apps: `up` recovers them without `app add`.
    found = (await store.list(`${controlKey(target, "registry")}/`)).filter((key) => key.endsWith(".json")).length;
  } catch (error) {
    warnings.push(`${errorMessage(error)} (the config was written anyway; run: hostctl doctor)`);
  } finally {
    store.close();
  }
  deps.log.info(
    {
      event: "host.initialised",
      home: paths.home,
      replica: config.replica.url,
      credentialsFile: config.replica.s3.credentials_file,
    },
    "host initialised",
  );
  for (const warning of warnings) deps.progress(`warning: ${warning}`);
  return {
    text: `initialised ${paths.home}\nreplica: ${config.replica.url}\n${
      found > 0
        ? `the replica holds ${found} app${found === 1 ? "" : "s"}: next: hostctl up --takeover (recovers and starts them; without --takeover it waits for the old host's lease)`
        : "next: hostctl app add NAME --repo URL --port 8001 --db db.sqlite3"
    }`,
    data: { home: paths.home, config: paths.hostConfig, replica: config.replica.url, warnings, apps_in_replica: found },
  };
}
