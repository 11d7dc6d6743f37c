import type { TestProject } from "vitest/node";
import { startFauxqs } from "fauxqs";

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

/** One S3 endpoint on loopback for the whole run (fauxqs, in memory). Tests make their own buckets. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  project.provide("s3Endpoint", `http://127.0.0.1:${server.port}`);
  return async () => {
    await server.stop();
  };
}
