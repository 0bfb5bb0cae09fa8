/**
 * One Lambda function with the settings every function of the platform shares, so no function can
 * drift from them: Node.js 22 on arm64, bundled by esbuild as ESM with source maps, X-Ray tracing
 * only when the deployment asks for it, its own log group with a retention, and its own role that can write only that log group.
 * Everything else a function may do is granted to it explicitly by the stack.
 */
import { join } from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The handlers are ESM; bundled CommonJS dependencies still call `require` for Node built-ins. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __platformCreateRequire } from 'node:module'; const require = __platformCreateRequire(import.meta.url);";

export const PLATFORM_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Node options of every function; npm run bench:cold loads the bundles with the same. */
export const PLATFORM_NODE_OPTIONS = '--enable-source-maps';

export interface PlatformFunctionProps {
  /** Absolute path of the entry file; it exports `handler`. */
  readonly entry: string;
  /** Directory holding package-lock.json; the entry must be under it. */
  readonly projectRoot: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** The shared environment; NODE_OPTIONS is added here. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** X-Ray active tracing (settings `tracing`); otherwise tracing is off, with no X-Ray grant. */
  readonly tracing: boolean;
}

export class PlatformFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Logs belong to the code that wrote them: they go with the stateless stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy lets the function
    // write to every log group of the account; this one writes only to its own.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: PLATFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: { ...props.environment, NODE_OPTIONS: PLATFORM_NODE_OPTIONS },
      bundling: {
        format: OutputFormat.ESM,
        banner: ESM_REQUIRE_BANNER,
        // Prefer the ESM builds of dependencies.
        mainFields: ['module', 'main'],
        target: 'node22',
        minify: true,
        keepNames: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // Stack traces need the mappings, not a copy of the sources: smaller assets.
        sourcesContent: false,
        // Ship the SDK versions package-lock.json pins (and the tests ran against), not whatever
        // version the runtime carries that day.
        bundleAwsSDK: true,
        // esbuild's per-file size summary is noise in every synth; warnings and errors still show.
        logLevel: LogLevel.WARNING,
      },
    });

    if (props.tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing (tracing: ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
      });
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: the same handlers run on the Node 20 local runtime (package.json engines) and on Lambda, so they stay valid on both; a move to nodejs24.x is its own change.',
    });
  }
}
