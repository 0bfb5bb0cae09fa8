/**
 * cdk-nag 3 runs as a CDK validation plugin (Validations.of(app).addPlugins), not as an aspect, and
 * reports through the validation report instead of construct annotations; suppressions are
 * `Validations.of(scope).acknowledge({ id, reason })`. These tests hold the app to zero findings
 * and every acknowledgement to a real finding and a stated reason.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, type Platform } from '../../lib/platform.js';
import { REPO_ROOT } from '../../lib/repo-root.js';
import { REQUIRED_CONTEXT } from './platform-fixture.js';

/** A file name a reason may cite (`bin/replay.ts`, `package.json`, `README.md`). */
const CITED_FILE = /[\w./-]+\.(?:ts|js|md|json)\b/g;

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

function acknowledgements(app: App): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}

describe.each([
  ['default settings', {}],
  [
    'custom domain and sender domain',
    {
      ocppDomainName: 'ocpp.example.org',
      ocppCertificateArn:
        'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      senderEmail: 'receipts@evplatform.dev',
      senderDomain: 'evplatform.dev',
      createApiGatewayLogRole: true,
      alarmEmail: 'ops@evplatform.dev',
    },
  ],
  ['Stripe secret and SES identity imported', { stripeSecretExists: true, senderIdentityExists: true }],
  ['WAF rate rule on the OCPP distribution', { wafRateLimit: 1000 }],
])('cdk-nag AwsSolutions, %s', (_name, context) => {
  let app: App;
  let platform: Platform;
  beforeAll(() => {
    app = new App({ context: { ...REQUIRED_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
    platform = buildPlatform(app);
    // With the pack registered (as in bin/app.ts) any unacknowledged finding makes synth throw.
    app.synth();
  });

  it('leaves no unacknowledged finding, error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('leaves no error annotation on either stack', () => {
    for (const stack of [platform.stateful, platform.stateless]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    }
  });

  it('acknowledges only findings that exist, each with its reason', () => {
    const unfiltered = new AwsSolutionsChecks();
    // Report what the pack finds before acknowledgements are applied.
    Object.assign(unfiltered, { isAcknowledged: () => false });
    const raw = unfiltered
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })),
      );
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(30);
      const covers = raw.some(
        (f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(covers, `stale acknowledgement ${ack.id} on ${ack.path}`).toBe(true);
    }
  });

  it('cites in its reasons only files that exist in the repository', () => {
    const cited = acknowledgements(app).flatMap((ack) =>
      [...ack.reason.matchAll(CITED_FILE)].map((m) => ({ file: m[0], ack: `${ack.path} ${ack.id}` })),
    );
    for (const { file, ack } of cited) {
      expect(existsSync(join(REPO_ROOT, file)), `${ack} cites ${file}`).toBe(true);
    }
  });
});
