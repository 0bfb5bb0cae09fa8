/**
 * In the embedded runtime every function shares one process and the same logger modules, and runs
 * beside the others: each line must still name the invocation that logged it, also from an area's
 * logger built during another function's invocation.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { invocationScoped, lambdaContext, runInvocationsApart } from '../../../local/lambda-types.js';

type LoggerModule = typeof import('../../../shared/lambda/logger.js');
let loggers: LoggerModule;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  await runInvocationsApart();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk)
      .split('\n')
      .filter((l) => l.startsWith('{')))
      lines.push(JSON.parse(line));
    return true;
  });
  // Loaded now, as the runtime loads handler modules: after the settings.
  loggers = await import('../../../shared/lambda/logger.js');
});

afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
});

it('each line names its own invocation, however the invocations interleave', async () => {
  const { childLogger, logInvocation } = loggers;
  let area: Logger | undefined;
  // Built by whichever function needs it first, as the composition roots build deps.
  const payments = () => {
    area ??= childLogger('payments');
    return area;
  };
  const sweeper = invocationScoped(
    middy()
      .use(logInvocation())
      .handler(async () => payments().info('sweep')),
  );
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const stream = invocationScoped(
    middy()
      .use(logInvocation())
      .handler(async () => {
        payments().info('stream before');
        await gate;
        payments().info('stream after');
      }),
  );

  const firstSweep = lambdaContext('payments-sweeper');
  await sweeper({}, firstSweep);
  const streamContext = lambdaContext('stream-payments');
  const streaming = stream({}, streamContext);
  const secondSweep = lambdaContext('payments-sweeper');
  await sweeper({}, secondSweep);
  release();
  await streaming;

  const seen = lines
    .filter((l) => l.service === 'ev-platform-payments')
    .map((l) => [l.message, l.function_name, l.function_request_id]);
  expect(seen).toEqual([
    ['sweep', 'payments-sweeper', firstSweep.awsRequestId],
    ['stream before', 'stream-payments', streamContext.awsRequestId],
    ['sweep', 'payments-sweeper', secondSweep.awsRequestId],
    ['stream after', 'stream-payments', streamContext.awsRequestId],
  ]);
});
