process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { defineConfig } from 'vitest/config';

/**
 * One `npm test` runs every project. Integration tests share one embedded platform started by the
 * global setup (real DynamoDB Local, SES local, the Stripe emulator, the WebSocket gateway).
 */
export default defineConfig({
  test: {
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // The embedded platform of the global setup keeps invocations apart (local/lambda-types.ts);
      // test files run in workers without its store, so their loggers share state as one invocation.
      AWS_LAMBDA_MAX_CONCURRENCY: '',
    },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: { name: 'component', include: ['test/component/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One platform serves every file; run files one at a time so their data stays apart.
          fileParallelism: false,
        },
      },
    ],
  },
});
