import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
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
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findDeadLetterQueues, type ReplayClients, replayFailedBatches } from '../../../bin/replay.js';

const STREAM_ARN =
  'arn:aws:dynamodb:eu-west-2:123456789012:table/EvPlatform-Stateful-Platform/stream/2026-11-01T00:00:00.000';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-2:123456789012:function:EvPlatform-Stateless-StreamRecompute';
const QUEUE_URL =
  'https://sqs.eu-west-2.amazonaws.com/123456789012/EvPlatform-Stateless-RecomputeDlq1A2B3C4D-AbCdEf';
const SHARD = 'shardId-00000001700000000000-abcdef12';

/** A failure record as Lambda writes it to a stream mapping's on-failure destination. */
function failureBody(start: string, end: string): string {
  return JSON.stringify({
    requestContext: {
      requestId: 'c0ffee00-0000-4000-8000-000000000001',
      functionArn: FUNCTION_ARN,
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-30T10:00:00.000Z',
    DDBStreamBatchInfo: {
      shardId: SHARD,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: '2026-11-30T04:00:00Z',
      approximateArrivalOfLastRecord: '2026-11-30T04:00:01Z',
      batchSize: 2,
      streamArn: STREAM_ARN,
    },
  });
}

function streamRecord(sequence: string, pk: string) {
  return {
    eventID: `ev-${sequence}`,
    eventName: 'INSERT' as const,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-2',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-11-30T04:00:00Z'),
      Keys: { pk: { S: pk }, sk: { S: 'MV#1' } },
      NewImage: { pk: { S: pk }, sk: { S: 'MV#1' }, raw: { B: new Uint8Array([1, 2, 3]) } },
      SequenceNumber: sequence,
      SizeBytes: 40,
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
    },
  };
}

describe('npm run replay', () => {
  const sqs = mockClient(SQSClient);
  const streams = mockClient(DynamoDBStreamsClient);
  const lambda = mockClient(LambdaClient);
  const clients: ReplayClients = {
    sqs: new SQSClient({ region: 'eu-west-2' }),
    streams: new DynamoDBStreamsClient({ region: 'eu-west-2' }),
    lambda: new LambdaClient({ region: 'eu-west-2' }),
  };
  let lines: string[];

  beforeEach(() => {
    sqs.reset();
    streams.reset();
    lambda.reset();
    lines = [];
  });

  /** One message in the queue, then an empty receive (the message is invisible once received). */
  function queueHolds(body: string): void {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'rh-1', Body: body }] })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
  }

  it('reads the failed batch back from its shard, invokes the function with it in the Lambda event shape, and deletes the message', async () => {
    queueHolds(failureBody('100', '300'));
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    streams
      .on(GetRecordsCommand, { ShardIterator: 'it-1' })
      .resolves({ Records: [streamRecord('100', 'TX#CP1#1')], NextShardIterator: 'it-2' });
    // Past the last sequence number: not part of the batch.
    streams.on(GetRecordsCommand, { ShardIterator: 'it-2' }).resolves({
      Records: [streamRecord('300', 'TX#CP1#1'), streamRecord('400', 'TX#CP2#9')],
      NextShardIterator: 'it-3',
    });
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: new TextEncoder().encode(JSON.stringify({ batchItemFailures: [] })) as never,
    });

    const summary = await replayFailedBatches(clients, {
      queueUrls: [QUEUE_URL],
      progress: (l) => lines.push(l),
    });

    expect(streams.commandCalls(GetShardIteratorCommand)[0]!.args[0].input).toEqual({
      StreamArn: STREAM_ARN,
      ShardId: SHARD,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '100',
    });
    const invoke = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(invoke.FunctionName).toBe(FUNCTION_ARN);
    expect(invoke.InvocationType).toBe('RequestResponse');
    const event = JSON.parse(new TextDecoder().decode(invoke.Payload as Uint8Array)) as DynamoDBStreamEvent;
    expect(event.Records.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['100', '300']);
    expect(event.Records[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: STREAM_ARN,
      eventName: 'INSERT',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-11-30T04:00:00Z') / 1000,
        Keys: { pk: { S: 'TX#CP1#1' } },
        NewImage: { raw: { B: Buffer.from([1, 2, 3]).toString('base64') } },
      },
    });
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-1' },
    ]);
    expect(summary).toEqual({
      batches: { replayed: 1, 'would replay': 0, expired: 0, dropped: 0, failed: 0, unreadable: 0 },
      records: 2,
    });
    expect(lines.join('\n')).toMatch(`${SHARD} 100..300: replayed (2 records)`);
    expect(lines.at(-1)).toBe('done: 1 replayed; 2 records replayed');
  });

  it.each([
    ['the function fails', { FunctionError: 'Unhandled', Payload: '{"errorMessage":"boom"}' }],
    [
      'records fail again',
      { FunctionError: undefined, Payload: '{"batchItemFailures":[{"itemIdentifier":"100"}]}' },
    ],
  ])('keeps the message when %s', async (_case, response) => {
    queueHolds(failureBody('100', '100'));
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    streams
      .on(GetRecordsCommand)
      .resolves({ Records: [streamRecord('100', 'TX#CP1#1')], NextShardIterator: 'it-2' });
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      ...(response.FunctionError ? { FunctionError: response.FunctionError } : {}),
      Payload: new TextEncoder().encode(response.Payload) as never,
    });

    const summary = await replayFailedBatches(clients, {
      queueUrls: [QUEUE_URL],
      progress: (l) => lines.push(l),
    });

    expect(summary.batches.failed).toBe(1);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('leaves a batch whose records left the stream for the reconciliation sweep, and drops it only when told', async () => {
    streams
      .on(GetShardIteratorCommand)
      .rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));

    queueHolds(failureBody('100', '300'));
    const kept = await replayFailedBatches(clients, {
      queueUrls: [QUEUE_URL],
      progress: (l) => lines.push(l),
    });
    expect(kept.batches.expired).toBe(1);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/reconciliation sweep/);

    sqs.reset();
    queueHolds(failureBody('100', '300'));
    const dropped = await replayFailedBatches(clients, {
      queueUrls: [QUEUE_URL],
      dropExpired: true,
      progress: (l) => lines.push(l),
    });
    expect(dropped.batches.dropped).toBe(1);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(1);
  });

  it('on --dry-run reads the records but neither invokes nor deletes', async () => {
    queueHolds(failureBody('100', '100'));
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    streams
      .on(GetRecordsCommand)
      .resolves({ Records: [streamRecord('100', 'TX#CP1#1')], NextShardIterator: 'it-2' });

    const summary = await replayFailedBatches(clients, {
      queueUrls: [QUEUE_URL],
      dryRun: true,
      progress: (l) => lines.push(l),
    });

    expect(summary.batches['would replay']).toBe(1);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('leaves a message that is not a stream failure record in the queue', async () => {
    queueHolds('{"hello":"world"}');
    const summary = await replayFailedBatches(clients, {
      queueUrls: [QUEUE_URL],
      progress: (l) => lines.push(l),
    });
    expect(summary.batches.unreadable).toBe(1);
    expect(streams.calls()).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it("finds the stack's two dead-letter queues by their generated names, across pages", async () => {
    const base = 'https://sqs.eu-west-2.amazonaws.com/123456789012';
    sqs
      .on(ListQueuesCommand, { QueueNamePrefix: 'EvPlatform-Stateless-', NextToken: undefined })
      .resolves({ QueueUrls: [`${base}/EvPlatform-Stateless-RecomputeDlq1A2B3C4D-AbCdEf`], NextToken: 'p2' })
      .on(ListQueuesCommand, { QueueNamePrefix: 'EvPlatform-Stateless-', NextToken: 'p2' })
      .resolves({
        QueueUrls: [
          `${base}/EvPlatform-Stateless-PaymentsDlq9F8E7D6C-GhIjKl`,
          `${base}/EvPlatform-Stateless-SomethingElse-MnOpQr`,
        ],
      });
    expect(await findDeadLetterQueues(clients.sqs, 'EvPlatform-Stateless')).toEqual([
      `${base}/EvPlatform-Stateless-RecomputeDlq1A2B3C4D-AbCdEf`,
      `${base}/EvPlatform-Stateless-PaymentsDlq9F8E7D6C-GhIjKl`,
    ]);
  });
});
