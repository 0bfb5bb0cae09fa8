/**
 * A DynamoDB Streams record as the SDK reads it, turned into the record Lambda's event source
 * mapping delivers: dates as epoch seconds, binaries as base64. Used wherever the platform hands
 * stream records to a handler itself: the local runtime's poller and the replay command.
 */
import type { _Record, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

type JsonAttr = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>[string];

/** `streamArn`: the source Lambda names in `eventSourceARN` (absent locally, where no ARN exists). */
export function toLambdaRecord(record: _Record, streamArn?: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? (streamArn ? streamArn.split(':')[3] : 'local'),
    eventSourceARN: streamArn,
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
    dynamodb: {
      ApproximateCreationDateTime:
        d.ApproximateCreationDateTime instanceof Date
          ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000)
          : undefined,
      Keys: d.Keys ? jsonImage(d.Keys) : undefined,
      NewImage: d.NewImage ? jsonImage(d.NewImage) : undefined,
      OldImage: d.OldImage ? jsonImage(d.OldImage) : undefined,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

function jsonImage(image: Record<string, AttributeValue>): Record<string, JsonAttr> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, jsonAttr(v)]));
}

function jsonAttr(v: AttributeValue): JsonAttr {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M !== undefined) return { M: jsonImage(v.M) };
  if (v.L !== undefined) return { L: v.L.map(jsonAttr) };
  return v as JsonAttr;
}
