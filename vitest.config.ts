import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // The AWS SDK's notice that its 2027 releases need Node 22 (hostctl itself silences it in src/s3/client.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      // Pure logic: no S3 endpoint, no supervisor (npm run test:unit).
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      // Real parts: the built CLI, Litestream, fauxqs on loopback, git, gunicorn, Caddy.
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
        },
      },
    ],
  },
});
