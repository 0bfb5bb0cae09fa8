/** What is kept of a charger's answer to a platform call: bounded so the stored call fits its item. */
import type { CallOutcome, CallPayload } from '../../ports/charger-calls.js';

/**
 * The most entries of each GetConfiguration list a stored answer keeps. A charger may report any
 * number of keys (the schema sets no limit; 9,000 were seen); at the schema's longest key and value
 * this many stay far below DynamoDB's 400 KB item next to the call's own bounded payload. Other
 * answers are bounded by the gateway's 128 KB message limit.
 */
export const MAX_STORED_CONFIGURATION_KEYS = 250;

/** What is stored of a valid answer: GetConfiguration's lists cut to their first entries, and a note saying so. */
export function storableResult(
  action: string,
  payload: CallPayload,
): Pick<CallOutcome, 'result' | 'resultTruncated'> {
  if (action !== 'GetConfiguration') return { result: payload };
  const result = { ...payload };
  const notes: string[] = [];
  for (const list of ['configurationKey', 'unknownKey'] as const) {
    const entries = payload[list];
    if (Array.isArray(entries) && entries.length > MAX_STORED_CONFIGURATION_KEYS) {
      result[list] = entries.slice(0, MAX_STORED_CONFIGURATION_KEYS);
      notes.push(`${list}: the first ${MAX_STORED_CONFIGURATION_KEYS} of ${entries.length} kept`);
    }
  }
  return notes.length ? { result, resultTruncated: notes.join('; ') } : { result };
}
