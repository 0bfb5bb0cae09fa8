/**
 * What outlives a deployment: the platform table, the Stripe secret and the SES sender identity.
 * The stateless stack receives these constructs as props (same app; CDK wires the references).
 */
import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { PlatformTable } from './constructs/platform-table.js';
import type { PlatformSettings } from './settings.js';

/**
 * The shape shared/lambda/secrets.ts reads, with empty values: until the real keys are put
 * (`aws secretsmanager put-secret-value`, see lib/README-settings.md) the payment functions fail
 * with "the Stripe secret ... is malformed" instead of calling Stripe with a made-up key.
 */
export const STRIPE_SECRET_PLACEHOLDER = { secretKey: '', webhookSecret: '' };

export interface StatefulStackProps extends StackProps {
  readonly settings: PlatformSettings;
}

export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  readonly stripeSecret: secretsmanager.Secret;
  readonly senderIdentity: ses.EmailIdentity;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.table = new PlatformTable(this, 'Platform').table;

    this.stripeSecret = new secretsmanager.Secret(this, 'StripeSecret', {
      secretName: settings.stripeSecretName,
      description:
        'Stripe keys for the EV platform, JSON {"secretKey":"sk_...","webhookSecret":"whsec_..."}; the deployed value is a placeholder.',
      // Not a secret: an empty shape to be overwritten out of band. Never change it here, or the
      // next deploy would write it over the real keys.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(STRIPE_SECRET_PLACEHOLDER)),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.stripeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Stripe API keys and webhook signing secrets are rolled in the Stripe dashboard, which no rotation Lambda can drive; rolling is an operator runbook step (put-secret-value).',
    });

    this.senderIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
      identity: settings.senderDomain
        ? ses.Identity.domain(settings.senderDomain)
        : ses.Identity.email(settings.senderEmail),
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'StripeSecretName', {
      value: settings.stripeSecretName,
      description: 'Put the real Stripe keys here after the first deploy',
    });
    new CfnOutput(this, 'SenderIdentityName', {
      value: this.senderIdentity.emailIdentityName,
      description: settings.senderDomain
        ? 'Publish the DKIM CNAME records below, then SES verifies the domain'
        : 'SES sends a verification email to this address; click the link before the first receipt',
    });
    if (settings.senderDomain) {
      this.senderIdentity.dkimRecords.forEach((record, i) => {
        new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}` });
      });
    }
  }
}
