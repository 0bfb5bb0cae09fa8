/**
 * Builds the platform the way bin/app.ts does, with bundling skipped (no esbuild run) unless a test
 * asks for it. Each call is a fresh App, so tests can vary the CDK context.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildPlatform, type Platform } from '../../lib/platform.js';

export interface Synthesized extends Platform {
  readonly app: App;
  readonly stateful: Platform['stateful'];
  readonly stateless: Platform['stateless'];
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/** The settings a deployment cannot go without (`senderEmail` has no default on purpose). */
export const REQUIRED_CONTEXT = { senderEmail: 'receipts@charge.evplatform.dev' } as const;

export function synthPlatform(
  context: Record<string, unknown> = {},
  options: { nag?: boolean } = {},
): Synthesized {
  const app = new App({ context: { ...REQUIRED_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const platform = buildPlatform(app, { nag: options.nag ?? false });
  return {
    app,
    ...platform,
    statefulTemplate: Template.fromStack(platform.stateful),
    statelessTemplate: Template.fromStack(platform.stateless),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The logical id CloudFormation knows a construct's default resource by. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}
