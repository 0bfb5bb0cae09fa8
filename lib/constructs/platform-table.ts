/**
 * The platform's single DynamoDB table, built from PLATFORM_TABLE (shared/adapters/dynamodb/table.ts),
 * the same description DynamoDB Local is created from, so keys and indexes cannot drift apart.
 * What the description leaves to the deployment is fixed here: on-demand billing, point-in-time
 * recovery, encryption, deletion protection and RETAIN.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PLATFORM_TABLE } from '../../shared/adapters/dynamodb/table.js';
import { tableStatements } from '../access.js';
import type { HandlerSpec } from '../handlers.js';

/** createTableInput declares every key attribute as a string; so does the deployed table. */
const string = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

export class PlatformTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const spec = PLATFORM_TABLE;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: string(spec.partitionKey),
      sortKey: string(spec.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: spec.timeToLiveAttribute,
      stream: dynamodb.StreamViewType[spec.streamViewType],
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      // Sessions, payments and receipts live here: the data outlives any stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of spec.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: string(gsi.partitionKey),
        sortKey: string(gsi.sortKey),
        projectionType: dynamodb.ProjectionType[gsi.projection],
      });
    }
  }
}

/**
 * A function's access to the platform table, from its declaration (lib/access.ts `tableStatements`,
 * the statements the local runtime enforces too). Unlike `table.grantReadWriteData` (which adds
 * `<table>/index/*` and Scan everywhere), each index is named and gets Query only, Scan goes only to
 * a function that declares it, and a scoped write carries its `dynamodb:LeadingKeys` condition.
 */
export function grantTableData(table: dynamodb.ITable, grantee: iam.IGrantable, spec: HandlerSpec): void {
  for (const statement of tableStatements(spec)) {
    const prefixes = statement.partitionKeyPrefixes;
    iam.Grant.addToPrincipal({
      grantee,
      actions: statement.actions.map((action) => `dynamodb:${action}`),
      resourceArns:
        'table' in statement.on
          ? [table.tableArn]
          : statement.on.indexes.map((indexName) => `${table.tableArn}/index/${indexName}`),
      ...(prefixes
        ? {
            conditions: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
            },
          }
        : {}),
    });
  }
  if (spec.readsStream) table.grantStreamRead(grantee);
}
