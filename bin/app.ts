#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. Environment-agnostic (no account/region
 * lookups), so it synthesizes offline with no credentials. Settings: lib/README-settings.md.
 */
import { App } from 'aws-cdk-lib';
import { buildPlatform } from '../lib/platform.js';

const app = new App();
buildPlatform(app);
