/**
 * What the Lambda event source mapping does with the table's stream: read each shard in order,
 * turn records into the DynamoDBStreamEvent shape, call the stream handler, and on failure retry
 * the batch (or, with reportBatchItemFailures, from the first failed record) with backoff, then
 * bisect, then send what still fails to a dead-letter log — as the CDK stack configures Lambda.
 *
 * Like the event source mapping, it keeps its place: after each batch is handled (or
 * dead-lettered) the shard's last sequence number goes to a checkpoint file, written atomically,
 * and a restart resumes after it. A shard with no checkpoint is read from its oldest record, so a
 * crash between a write and its delivery (kill -9) loses nothing; a batch in flight at the crash is
 * delivered again, which the handlers allow (recompute is idempotent).
 */
import { appendFile, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type FilterPattern, passesFilters } from '../shared/adapters/dynamodb/stream-filters.js';
import { toLambdaRecord } from '../shared/adapters/dynamodb/stream-records.js';
import { type AnyHandler, lambdaContext } from './lambda-types.js';

export interface StreamPollerOptions {
  endpoint: string;
  streamArn: string;
  handler: AnyHandler;
  /** The Lambda function name the handler sees in its context (and its log lines carry). */
  functionName?: string;
  /**
   * Where a shard with no checkpoint is read from. LATEST skips whatever was written before the
   * poller started, so only a poller that needs no past records (none in this project) wants it.
   */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /**
   * Where this consumer keeps each shard's last handled sequence number; one file per consumer
   * (each event source mapping keeps its own place). Without it, nothing survives a restart.
   */
  checkpointFile?: string;
  batchSize?: number;
  /**
   * The event source mapping's filters (shared/adapters/dynamodb/stream-filters.ts): the handler is
   * called only with records that pass one, and not at all for a batch with none, as Lambda does.
   * Without them every record is passed.
   */
  filterPatterns?: readonly FilterPattern[];
  /**
   * Matches MaximumBatchingWindowInSeconds: once a shard has records, keep reading it for up to this
   * long (or until a batch is full) before calling the handler, so one call folds several writes.
   */
  batchingWindowMs?: number;
  pollIntervalMs?: number;
  /** Matches the event source mapping's retryAttempts. */
  retryAttempts?: number;
  deadLetterFile?: string;
  log?: (line: string) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
  /** Resolves once every record written so far has been handled (or dead-lettered). */
  drain(timeoutMs?: number): Promise<void>;
  stats(): { delivered: number; failedBatches: number; deadLettered: number; filteredOut: number };
}

export async function startStreamPoller(opts: StreamPollerOptions): Promise<StreamPoller> {
  const log = opts.log ?? (() => {});
  const batchSize = opts.batchSize ?? 100;
  const pollIntervalMs = opts.pollIntervalMs ?? 50;
  const retryAttempts = opts.retryAttempts ?? 5;
  const client = new DynamoDBStreamsClient({
    endpoint: opts.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const iterators = new Map<string, string | undefined>(); // shardId -> iterator; undefined = closed
  const finished = new Set<string>();
  const stats = { delivered: 0, failedBatches: 0, deadLettered: 0, filteredOut: 0 };
  const batchingWindowMs = opts.batchingWindowMs ?? 0;
  let stopped = false;
  let firstDescribe = true;
  /** Passes over every shard started so far; a pass may begin with a shard refresh. */
  let passes = 0;
  /** The last pass that found no record in any shard. */
  let lastIdlePass = 0;
  /** Requests to read the shard list again before the next pass (from drains, closed shards). */
  let refreshRequests = 0;
  /** How many of those requests the last completed refresh answered, and the pass that followed it. */
  let refreshedFor = 0;
  let firstPassAfterRefresh = 0;
  /** shardId -> last sequence number handled (delivered or dead-lettered); mirrors checkpointFile. */
  const checkpoints = await readCheckpoints(opts.checkpointFile);

  async function saveCheckpoint(shardId: string, sequenceNumber: string): Promise<void> {
    checkpoints.set(shardId, sequenceNumber);
    if (opts.checkpointFile) await writeCheckpoints(opts.checkpointFile, checkpoints);
  }

  async function shardIterator(shardId: string): Promise<string | undefined> {
    const after = checkpoints.get(shardId);
    if (after) {
      try {
        const it = await client.send(
          new GetShardIteratorCommand({
            StreamArn: opts.streamArn,
            ShardId: shardId,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: after,
          }),
        );
        return it.ShardIterator;
      } catch (err) {
        // The checkpointed record has aged out of the stream (24 h): what is left is all unread.
        if (!(err instanceof TrimmedDataAccessException)) throw err;
        log(`stream checkpoint ${after} of ${shardId} is trimmed; reading the shard from its oldest record`);
      }
    }
    const type = after || !firstDescribe ? 'TRIM_HORIZON' : opts.startingPosition;
    const it = await client.send(
      new GetShardIteratorCommand({ StreamArn: opts.streamArn, ShardId: shardId, ShardIteratorType: type }),
    );
    return it.ShardIterator;
  }

  async function refreshShards(): Promise<void> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const out = await client.send(
        new DescribeStreamCommand({
          StreamArn: opts.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    for (const shard of shards) {
      const id = shard.ShardId!;
      if (iterators.has(id) || finished.has(id)) continue;
      // Children of a shard we are still reading wait, so records stay in order per key.
      if (shard.ParentShardId && iterators.has(shard.ParentShardId)) continue;
      iterators.set(id, await shardIterator(id));
    }
    firstDescribe = false;
  }

  /** Resolves true once every record is handled or dead-lettered; false if the poller stopped first. */
  async function deliver(records: DynamoDBRecord[]): Promise<boolean> {
    let pending = records;
    let attempt = 0;
    while (pending.length > 0 && !stopped) {
      let failedFrom: number | undefined;
      try {
        const result = (await opts.handler(
          { Records: pending } satisfies DynamoDBStreamEvent,
          lambdaContext(opts.functionName ?? 'stream-consumer', 60_000),
        )) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
        const failures = result?.batchItemFailures ?? [];
        if (failures.length > 0) {
          const seqs = new Set(failures.map((f) => f.itemIdentifier));
          failedFrom = pending.findIndex((r) => seqs.has(r.dynamodb?.SequenceNumber ?? ''));
          if (failedFrom < 0) failedFrom = 0;
        }
      } catch (err) {
        log(
          `stream handler failed (attempt ${attempt + 1}): ${err instanceof Error ? err.message : String(err)}`,
        );
        failedFrom = 0;
      }
      if (failedFrom === undefined) {
        stats.delivered += pending.length;
        return true;
      }
      stats.delivered += failedFrom;
      pending = pending.slice(failedFrom);
      stats.failedBatches += 1;
      attempt += 1;
      if (attempt > retryAttempts) {
        if (pending.length > 1) {
          // bisectBatchOnError: split and give each half its own retries.
          const half = Math.ceil(pending.length / 2);
          return (await deliver(pending.slice(0, half))) && (await deliver(pending.slice(half)));
        }
        await deadLetter(pending);
        return true;
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
    return pending.length === 0;
  }

  async function deadLetter(records: DynamoDBRecord[]): Promise<void> {
    stats.deadLettered += records.length;
    log(
      `stream records sent to the dead-letter log after ${retryAttempts} retries: ${records.map((r) => r.dynamodb?.SequenceNumber).join(', ')}`,
    );
    if (!opts.deadLetterFile) return;
    await mkdir(dirname(opts.deadLetterFile), { recursive: true });
    await appendFile(opts.deadLetterFile, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  }

  async function pollOnce(): Promise<boolean> {
    let any = false;
    for (const [shardId, iterator] of iterators) {
      if (stopped) return any;
      if (!iterator) {
        // A closed shard's children are picked up by the next refresh: until then, not idle.
        iterators.delete(shardId);
        finished.add(shardId);
        refreshRequests += 1;
        any = true;
        continue;
      }
      try {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
        let read = out.Records ?? [];
        let next = out.NextShardIterator;
        if (read.length > 0 && batchingWindowMs > 0) {
          const windowEndsAt = Date.now() + batchingWindowMs;
          while (read.length < batchSize && next && !stopped && Date.now() < windowEndsAt) {
            await new Promise((r) => setTimeout(r, Math.min(pollIntervalMs, windowEndsAt - Date.now())));
            const more = await client.send(
              new GetRecordsCommand({ ShardIterator: next, Limit: batchSize - read.length }),
            );
            read = read.concat(more.Records ?? []);
            next = more.NextShardIterator;
          }
        }
        if (read.length > 0) {
          any = true;
          const records = read.map((r) => toLambdaRecord(r));
          const passed = opts.filterPatterns
            ? records.filter((r) => passesFilters(r, opts.filterPatterns ?? []))
            : records;
          stats.filteredOut += records.length - passed.length;
          // A batch cut short by stop() is neither checkpointed nor passed: the next start reads it again.
          if (passed.length > 0 && !(await deliver(passed))) return any;
          const last = read[read.length - 1]?.dynamodb?.SequenceNumber;
          if (last) await saveCheckpoint(shardId, last);
        }
        iterators.set(shardId, next);
      } catch (err) {
        if (err instanceof ExpiredIteratorException || err instanceof TrimmedDataAccessException) {
          // Read again from a fresh iterator after the next refresh: until then, not idle.
          iterators.delete(shardId);
          refreshRequests += 1;
          any = true;
          continue;
        }
        throw err;
      }
    }
    return any;
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        if (passes % 20 === 0 || refreshedFor < refreshRequests) {
          // Only requests made before the refresh began are answered by it.
          const answering = refreshRequests;
          await refreshShards();
          refreshedFor = answering;
          firstPassAfterRefresh = passes + 1;
        }
        passes += 1;
        const pass = passes;
        const any = await pollOnce();
        if (!any) {
          lastIdlePass = pass;
          await new Promise((r) => setTimeout(r, pollIntervalMs));
        }
      } catch (err) {
        if (stopped) break;
        log(`stream poller error: ${err instanceof Error ? err.message : String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();

  return {
    stats: () => ({ ...stats }),
    drain: async (timeoutMs = 10_000) => {
      // A record written before this call is in a shard the poller knows once the shard list has
      // been read after the call (a refresh already running may have read it before), so a pass
      // that starts after such a refresh and finds nothing anywhere has delivered (or
      // dead-lettered) every such record: a batch is delivered, retries included, within its pass.
      const deadline = Date.now() + timeoutMs;
      refreshRequests += 1;
      const request = refreshRequests;
      while (!(refreshedFor >= request && lastIdlePass >= firstPassAfterRefresh)) {
        if (stopped) throw new Error('stream poller stopped before it drained');
        if (Date.now() > deadline) throw new Error(`stream not drained within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop: async () => {
      stopped = true;
      await loop;
      client.destroy();
    },
  };
}

async function readCheckpoints(file: string | undefined): Promise<Map<string, string>> {
  if (!file) return new Map();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  // Written whole by rename, so a file that does not parse was not written by us: say so loudly.
  const parsed = JSON.parse(text) as { shards?: Record<string, unknown> };
  const out = new Map<string, string>();
  for (const [shardId, seq] of Object.entries(parsed.shards ?? {})) {
    if (typeof seq !== 'string')
      throw new Error(`stream checkpoint ${file}: shard ${shardId} has no sequence number`);
    out.set(shardId, seq);
  }
  return out;
}

/** Write to a temporary file, flush it to disk, then rename over the old one: never half a file. */
async function writeCheckpoints(file: string, checkpoints: Map<string, string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify({ shards: Object.fromEntries(checkpoints) }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
