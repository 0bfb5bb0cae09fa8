/**
 * The Lambda handler shapes the embedded runtime calls. Real handlers are middy-wrapped functions
 * taking (event, context); the runtime supplies a minimal Lambda context.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed by their own modules; the runtime only builds events.
export type AnyHandler = (event: any, context: Context) => Promise<any>;

let invocation = 0;

export function lambdaContext(functionName: string, timeoutMs = 29_000): Context {
  const started = Date.now();
  invocation += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${started.toString(36)}-${invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Every function runs in this one process, several invocations at once (an HTTP request while the
 * stream poller and the schedules run), as on Lambda Managed Instances. Its runtime keeps each
 * invocation's state apart in the InvokeStore, which Powertools reads when AWS_LAMBDA_MAX_CONCURRENCY
 * is set: so a logger names the invocation that logs, never another running beside it. Call before
 * any handler module is loaded (a logger built with the variable set and no store throws).
 */
export async function runInvocationsApart(): Promise<void> {
  await InvokeStore.getInstanceAsync(true);
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ||= '64';
}

/** The handler, each call inside its own invocation scope (see {@link runInvocationsApart}). */
export function invocationScoped(handler: AnyHandler): AnyHandler {
  return async (event, context) => {
    const store = await InvokeStore.getInstanceAsync(true);
    return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () =>
      handler(event, context),
    );
  };
}
