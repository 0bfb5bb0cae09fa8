/**
 * The whole platform in one call, used by bin/app.ts and by the infra tests, so the tests check the
 * app exactly as `cdk synth` builds it.
 */
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type PlatformSettings, readSettings } from './settings.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

export const STATEFUL_STACK_NAME = 'EvPlatform-Stateful';
export const STATELESS_STACK_NAME = 'EvPlatform-Stateless';

export interface PlatformOptions {
  /** Register cdk-nag's AwsSolutions pack as a validation plugin (default true, as in bin/app.ts). */
  readonly nag?: boolean;
}

export interface Platform {
  readonly settings: PlatformSettings;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export function buildPlatform(app: App, options: PlatformOptions = {}): Platform {
  const settings = readSettings(app.node);
  const stateful = new StatefulStack(app, STATEFUL_STACK_NAME, {
    description:
      'EV charging platform: table, Stripe and session token secrets, SES sender identity (retained)',
    settings,
  });
  const stateless = new StatelessStack(app, STATELESS_STACK_NAME, {
    description: 'EV charging platform: functions, OCPP WebSocket API + CloudFront, HTTP API, schedules',
    settings,
    table: stateful.table,
    stripeSecret: stateful.stripeSecret,
    sessionTokenSecret: stateful.sessionTokenSecret,
    senderIdentity: stateful.senderIdentity,
  });

  Tags.of(app).add('project', 'ev-charging-platform');
  Tags.of(stateful).add('layer', 'stateful');
  Tags.of(stateless).add('layer', 'stateless');

  if (options.nag ?? true) {
    // cdk-nag 3 is a CDK validation plugin: any unacknowledged finding (error or warning) fails the synth.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { settings, stateful, stateless };
}
