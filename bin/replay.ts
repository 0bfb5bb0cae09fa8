#!/usr/bin/env node
/**
 * `npm run replay -- --stack EvPlatform-Stateless`: re-drives the table stream batches that failed
 * for good, from their dead-letter messages.
 *
 * A stream mapping's failure destination gets only where the batch was (shard, first and last
 * sequence number, stream and function ARNs), not its records, and the stream keeps records 24 h
 * (the mappings give up after STREAM_MAX_RECORD_AGE, lib/stateless-stack.ts, leaving the rest of the
 * day to replay). For each message this reads the records back from the shard (GetShardIterator
 * AT_SEQUENCE_NUMBER, then GetRecords up to the last sequence number), invokes the function that
 * failed with them in Lambda's DynamoDB stream event shape, and deletes the message once the function
 * has taken every record. A message whose records have left the stream stays in the queue (unless
 * `--drop-expired`): for the recompute, the reconciliation sweep (shared/app/pricing/reconcile.ts,
 * run by the finaliser) re-folds those charges from the stored messages; nothing re-drives a
 * payments batch past that point, so it is reported for a person to look at.
 *
 * The records between the first and last sequence number are replayed unfiltered: the mapping's
 * filters dropped some of them before the first invocation, and both consumers check each record
 * themselves (shared/adapters/dynamodb/charge-stream.ts, payments-stream.ts) and pass over the
 * ones that are not theirs, as they do behind the local stream poller.
 *
 * Options: `--stack <name>` finds the stack's two dead-letter queues (CloudFormation names them
 * `<stack>-<logical id>-<suffix>`); `--queue-url <url>` (repeatable) names queues instead;
 * `--region`; `--dry-run` reads and reports without invoking or deleting; `--drop-expired` deletes
 * the messages whose records are gone.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type _Record,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { toLambdaRecord } from '../shared/adapters/dynamodb/stream-records.js';

/** What becomes of a batch too old to replay, as the progress line tells the operator. */
const AFTER_EXPIRY =
  'recompute: the reconciliation sweep re-folds the charge; payments: check the sessions of that hour by hand';

/** The dead-letter queues' logical id prefixes in the stateless stack (`<name>Dlq`). */
export const DLQ_LOGICAL_ID_PREFIXES = ['RecomputeDlq', 'PaymentsDlq'] as const;

/** Long enough to read a batch back and invoke a function on it (their timeouts are 60 s). */
const VISIBILITY_TIMEOUT_SECONDS = 300;
/** An open shard may answer empty reads before the wanted records; give up after this many. */
const MAX_EMPTY_READS = 5;

/** What Lambda sends to a stream mapping's on-failure destination (the fields replay needs). */
const failureMessage = z.object({
  requestContext: z.object({ functionArn: z.string().min(1), condition: z.string().optional() }),
  DDBStreamBatchInfo: z.object({
    shardId: z.string().min(1),
    startSequenceNumber: z.string().regex(/^\d+$/),
    endSequenceNumber: z.string().regex(/^\d+$/),
    streamArn: z.string().min(1),
    batchSize: z.number().int().optional(),
  }),
});
export type FailureMessage = z.infer<typeof failureMessage>;

export interface ReplayClients {
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  readonly lambda: LambdaClient;
}

export interface ReplayOptions {
  readonly queueUrls: readonly string[];
  readonly dryRun?: boolean;
  readonly dropExpired?: boolean;
  /** One line per batch, and a summary. */
  readonly progress: (line: string) => void;
}

export type BatchOutcome = 'replayed' | 'would replay' | 'expired' | 'dropped' | 'failed' | 'unreadable';

export interface ReplaySummary {
  readonly batches: Readonly<Record<BatchOutcome, number>>;
  readonly records: number;
}

/** Finds the stack's dead-letter queues by the names CloudFormation generated for them. */
export async function findDeadLetterQueues(sqs: SQSClient, stackName: string): Promise<string[]> {
  const urls: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: `${stackName}-`, NextToken: nextToken }),
    );
    urls.push(...(page.QueueUrls ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return urls.filter((url) => {
    const name = url.slice(url.lastIndexOf('/') + 1).slice(stackName.length + 1);
    return DLQ_LOGICAL_ID_PREFIXES.some((prefix) => name.startsWith(prefix));
  });
}

/** Re-drives every failed batch in the given queues; returns what happened to them. */
export async function replayFailedBatches(
  clients: ReplayClients,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const batches: Record<BatchOutcome, number> = {
    replayed: 0,
    'would replay': 0,
    expired: 0,
    dropped: 0,
    failed: 0,
    unreadable: 0,
  };
  let records = 0;
  for (const queueUrl of options.queueUrls) {
    const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    options.progress(`${queueName}: reading failed batches`);
    for (;;) {
      const received = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = received.Messages ?? [];
      // Messages handled and left in the queue stay invisible for the visibility timeout, so an
      // empty receive means every message has been seen once.
      if (messages.length === 0) break;
      for (const message of messages) {
        const result = await replayOne(clients, options, message.Body);
        batches[result.outcome] += 1;
        records += result.records;
        options.progress(
          `${queueName}: ${result.label}: ${result.outcome}${result.detail ? ` (${result.detail})` : ''}`,
        );
        if ((result.outcome === 'replayed' || result.outcome === 'dropped') && message.ReceiptHandle) {
          await clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
    }
  }
  options.progress(
    `done: ${
      Object.entries(batches)
        .filter(([, n]) => n > 0)
        .map(([outcome, n]) => `${n} ${outcome}`)
        .join(', ') || 'no failed batches'
    }; ${records} records replayed`,
  );
  return { batches, records };
}

interface OneResult {
  readonly outcome: BatchOutcome;
  readonly label: string;
  readonly records: number;
  readonly detail?: string;
}

async function replayOne(
  clients: ReplayClients,
  options: ReplayOptions,
  body: string | undefined,
): Promise<OneResult> {
  let parsed: FailureMessage;
  try {
    parsed = failureMessage.parse(JSON.parse(body ?? ''));
  } catch {
    return {
      outcome: 'unreadable',
      label: 'message',
      records: 0,
      detail: 'not a stream failure record; left in the queue',
    };
  }
  const info = parsed.DDBStreamBatchInfo;
  const label = `${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber}`;
  const read = await readBatch(clients.streams, info);
  if (read === 'expired') {
    const detail = `records left the stream; ${AFTER_EXPIRY}`;
    return {
      outcome: options.dropExpired && !options.dryRun ? 'dropped' : 'expired',
      label,
      records: 0,
      detail,
    };
  }
  if (options.dryRun) return { outcome: 'would replay', label, records: 0, detail: `${read.length} records` };

  const event: DynamoDBStreamEvent = { Records: read.map((r) => toLambdaRecord(r, info.streamArn)) };
  const response = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: parsed.requestContext.functionArn,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const payload = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  if (response.FunctionError) {
    return {
      outcome: 'failed',
      label,
      records: 0,
      detail: `${response.FunctionError}: ${payload.slice(0, 200)}`,
    };
  }
  // The consumers report partial batch failures; a batch is done only when none is reported.
  const failures = batchItemFailures(payload);
  if (failures > 0) {
    return {
      outcome: 'failed',
      label,
      records: 0,
      detail: `${failures} of ${read.length} records failed again`,
    };
  }
  return { outcome: 'replayed', label, records: read.length, detail: `${read.length} records` };
}

function batchItemFailures(payload: string): number {
  try {
    const parsed: unknown = JSON.parse(payload);
    const list = (parsed as { batchItemFailures?: unknown } | null)?.batchItemFailures;
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
}

/** The records of one failed batch, read back from its shard, or 'expired' if they are gone. */
async function readBatch(
  streams: DynamoDBStreamsClient,
  info: FailureMessage['DDBStreamBatchInfo'],
): Promise<_Record[] | 'expired'> {
  const end = BigInt(info.endSequenceNumber);
  let iterator: string | undefined;
  try {
    iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: info.streamArn,
          ShardId: info.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: info.startSequenceNumber,
        }),
      )
    ).ShardIterator;
  } catch (err) {
    // Trimmed: past the stream's 24 h. Not found: the shard (or the stream) is gone altogether.
    if (err instanceof TrimmedDataAccessException || err instanceof ResourceNotFoundException)
      return 'expired';
    throw err;
  }
  const records: _Record[] = [];
  let emptyReads = 0;
  while (iterator && emptyReads < MAX_EMPTY_READS) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const got = page.Records ?? [];
    emptyReads = got.length === 0 ? emptyReads + 1 : 0;
    for (const record of got) {
      const sequence = record.dynamodb?.SequenceNumber;
      if (sequence === undefined) continue;
      if (BigInt(sequence) > end) return records;
      records.push(record);
      if (BigInt(sequence) === end) return records;
    }
    iterator = page.NextShardIterator;
  }
  return records.length > 0 ? records : 'expired';
}

const USAGE =
  'usage: npm run replay -- --stack <stateless stack name> | --queue-url <url> [...] [--region <region>] [--dry-run] [--drop-expired]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      'queue-url': { type: 'string', multiple: true },
      region: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'drop-expired': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || (!values.stack && !values['queue-url']?.length)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  // Credentials and, without --region, the region come from the SDK's usual chain (profile, env).
  const config = values.region ? { region: values.region } : {};
  const clients: ReplayClients = {
    sqs: new SQSClient(config),
    streams: new DynamoDBStreamsClient(config),
    lambda: new LambdaClient(config),
  };
  const queueUrls = values['queue-url']?.length
    ? values['queue-url']
    : await findDeadLetterQueues(clients.sqs, values.stack ?? '');
  if (queueUrls.length === 0) {
    console.error(
      `no dead-letter queue named ${values.stack}-RecomputeDlq… or ${values.stack}-PaymentsDlq…; pass --queue-url (the stack outputs RecomputeDlqUrl and PaymentsDlqUrl)`,
    );
    return 2;
  }
  const summary = await replayFailedBatches(clients, {
    queueUrls,
    dryRun: values['dry-run'],
    dropExpired: values['drop-expired'],
    progress: (line) => console.log(line),
  });
  return summary.batches.failed > 0 || summary.batches.unreadable > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
