import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

/** One S3 endpoint on loopback for the whole run (fauxqs, in memory). Tests make their own buckets. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // fauxqs loads the AWS SDK, whose notice about Node 22 would otherwise open every run's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { startFauxqs } = await import("fauxqs");
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  project.provide("s3Endpoint", `http://127.0.0.1:${server.port}`);
  return async () => {
    await server.stop();
  };
}
