/** One structured JSON logger for every handler (Powertools), with the service name per area. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Log } from '../ports/log.js';

export const logger = new Logger({ serviceName: 'ev-platform' });

export function childLogger(area: string): Logger {
  return logger.createChild({ serviceName: `ev-platform-${area}` });
}

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
