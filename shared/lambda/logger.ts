/**
 * One structured JSON logger for every handler (Powertools), with the service name per area.
 *
 * An area's logger is a child, and a child copies the Lambda context of the invocation it is made
 * in and keeps it: made while building a function's deps, it would name that first invocation (its
 * request id) for ever after, and in the embedded runtime, where every function shares these modules,
 * whichever function built the deps first (payouts' lines named `payments-sweeper`). So each entry
 * point hands its invocation's context to every logger of the container ({@link logInvocation}).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Log } from '../ports/log.js';

export const logger = new Logger({ serviceName: 'ev-platform' });

/** The root and each area's child, made once per container; the middleware reads it at each call. */
const containerLoggers: Logger[] = [logger];
const areas = new Map<string, Logger>();

export function childLogger(area: string): Logger {
  const made = areas.get(area);
  if (made) return made;
  const child = logger.createChild({ serviceName: `ev-platform-${area}` });
  areas.set(area, child);
  containerLoggers.push(child);
  return child;
}

/** The first middleware of every function: this invocation's context on every logger of the container. */
export const logInvocation = () => injectLambdaContext(containerLoggers);

/** The Log port over a Powertools logger (extra attributes become top-level JSON keys). */
export function powertoolsLog(logger: Logger): Log {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (extra) logger[level](message, extra as LogAttributes);
      else logger[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
