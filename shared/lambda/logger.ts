/** One structured JSON logger for every handler (Powertools), with the service name per area. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'ev-platform' });

export function childLogger(area: string): Logger {
  return logger.createChild({ serviceName: `ev-platform-${area}` });
}
