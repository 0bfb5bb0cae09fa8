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
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}

const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const INDEX_ACTIONS = ['dynamodb:Query', 'dynamodb:Scan'];

/**
 * Data access to the platform table. Unlike `table.grantReadWriteData` (which adds
 * `<table>/index/*`), the indexes are named one by one from PLATFORM_TABLE and get read actions
 * only, so no policy holds a wildcard. Transactions need no action of their own: they are
 * authorised per item by the Put/Update/Delete/ConditionCheck actions above.
 */
export function grantTableData(
  table: dynamodb.ITable,
  grantee: iam.IGrantable,
  access: 'read' | 'readWrite',
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: access === 'readWrite' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS,
    resourceArns: [table.tableArn],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: INDEX_ACTIONS,
    resourceArns: PLATFORM_TABLE.globalSecondaryIndexes.map(
      (gsi) => `${table.tableArn}/index/${gsi.indexName}`,
    ),
  });
}
