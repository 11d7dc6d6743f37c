/** Argv builders for the Litestream binary: pure, so tests assert them exactly. */

export function replicateArgs(configPath: string): string[] {
  // -no-expand-env: 0.3.13 otherwise runs os.ExpandEnv over the whole file and mangles any "$".
  return ["replicate", "-config", configPath, "-no-expand-env"];
}

export interface RestoreOptions {
  configPath: string;
  dbPath: string;
  outputPath?: string;
  timestamp?: string;
  ifReplicaExists?: boolean;
}

export function restoreArgs(options: RestoreOptions): string[] {
  const args = ["restore", "-config", options.configPath, "-no-expand-env"];
  if (options.outputPath !== undefined) args.push("-o", options.outputPath);
  if (options.timestamp !== undefined) args.push("-timestamp", options.timestamp);
  if (options.ifReplicaExists) args.push("-if-replica-exists");
  args.push(options.dbPath);
  return args;
}

export function versionArgs(): string[] {
  return ["version"];
}
