/**
 * The Lambda handler shapes the embedded runtime calls. Real handlers are middy-wrapped functions
 * taking (event, context); the runtime supplies a minimal Lambda context.
 */
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
