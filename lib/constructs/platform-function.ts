/**
 * One Lambda function with the settings every function of the platform shares, so no function can
 * drift from them: Node.js 22 on arm64, bundled by esbuild as ESM with source maps, X-Ray tracing
 * only when the deployment asks for it, its own log group with a retention, and its own role that can write only that log group.
 * Everything else a function may do is granted to it explicitly by the stack.
 *
 * Bundling: esbuild with code splitting, which NodejsFunction cannot do (it always bundles to one
 * `--outfile`, and splitting needs an output directory). In one file, a module the handler loads
 * with `import()` on first use (Stripe, SES, pdfkit) is still read and parsed by
 * every cold start; split into its own chunk, it is read only when first used. npm run bench:cold
 * measured the difference (the issue 13 note). {@link platformBuildOptions} is the one set of
 * esbuild options: the asset's local bundling below and the bench (test/bench/bundles.ts) both use
 * it, so what the bench measures is what CDK deploys.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { AssetHashType, DockerImage, type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';
import { OCPP_STANDALONE_CONDITION, shipOcppValidators, writeOcppValidators } from '../ocpp-validators.js';

/** The handlers are ESM; bundled CommonJS dependencies still call `require` for Node built-ins. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __platformCreateRequire } from 'node:module'; const require = __platformCreateRequire(import.meta.url);";

export const PLATFORM_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Node options of every function; npm run bench:cold loads the bundles with the same. */
export const PLATFORM_NODE_OPTIONS = '--enable-source-maps';

/** The bundle's entry file in the asset: Lambda's handler is `index.handler`. */
export const ENTRY_FILE = 'index.mjs';

/**
 * The esbuild options every function is bundled with: `entry` (absolute) into the directory
 * `outDir`, as `index.mjs` plus one chunk per piece of code loaded on first use or shared by such
 * pieces. Callers may add options that do not change the output (a metafile).
 */
export function platformBuildOptions(entry: string, outDir: string, projectRoot: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    absWorkingDir: projectRoot,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    banner: { js: ESM_REQUIRE_BANNER },
    // Prefer the ESM builds of dependencies.
    mainFields: ['module', 'main'],
    // `module` is esbuild's default condition (setting any drops it); `#ocpp-validators` resolves to
    // the OCPP validators compiled ahead of time (prepareBundling writes them).
    conditions: [OCPP_STANDALONE_CONDITION, 'module'],
    target: 'node22',
    minify: true,
    keepNames: true,
    sourcemap: true,
    // Stack traces need the mappings, not a copy of the sources: smaller assets.
    sourcesContent: false,
    // Nothing is external: ship the SDK versions package-lock.json pins (and the tests ran
    // against), not whatever version the runtime carries that day.
    external: [],
    // esbuild's per-file size summary is noise in every synth; warnings and errors still show.
    logLevel: 'warning',
  };
}

/**
 * pdfkit (0.20) loads its standard fonts' metrics at run time, with a `require('#standard-fonts/…')`
 * through `createRequire(import.meta.url)`: esbuild cannot see that call, so the font modules are not
 * in the bundle, and the `#` specifier resolves through the `imports` of the package.json nearest the
 * running file, which in a bundle is the asset's (none). So a function whose bundle holds pdfkit gets
 * the font modules copied beside its code and a package.json whose `imports` points the specifier at
 * them; the fonts stay out of every other function. Copying files keeps `platformBuildOptions` free of
 * esbuild plugins, which `buildSync` (CDK's local bundling is synchronous) cannot run.
 */
export const PDFKIT_FONTS_DIR = 'pdfkit-standard-fonts';
const PDFKIT_NODE_BUILD = /(^|\/)node_modules\/pdfkit\/js\/pdfkit\.node\.mjs$/;

/** Ships pdfkit's standard fonts with a bundle that contains pdfkit; true when it did. */
export function shipPdfkitFonts(metafile: Metafile, outDir: string, projectRoot: string): boolean {
  const pdfkit = Object.keys(metafile.inputs).find((path) => PDFKIT_NODE_BUILD.test(path));
  if (!pdfkit) return false;
  cpSync(join(projectRoot, dirname(pdfkit), 'standard-fonts'), join(outDir, PDFKIT_FONTS_DIR), {
    recursive: true,
  });
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ private: true, imports: { '#standard-fonts/*': `./${PDFKIT_FONTS_DIR}/*.cjs` } }, null, 2)}\n`,
  );
  return true;
}

/**
 * What every bundling runs before esbuild: the sources generated at build time (the OCPP schema
 * validators, lib/ocpp-validators.ts), which {@link platformBuildOptions} resolves imports to.
 */
export function prepareBundling(projectRoot: string): void {
  writeOcppValidators(projectRoot);
}

/** Bundles one function into `outDir` as CDK deploys it: the esbuild output plus what it loads at run time. */
export function bundlePlatformFunction(entry: string, outDir: string, projectRoot: string): void {
  prepareBundling(projectRoot);
  const result = buildSync({ ...platformBuildOptions(entry, outDir, projectRoot), metafile: true });
  shipPdfkitFonts(result.metafile, outDir, projectRoot);
  shipOcppValidators(result.metafile, outDir, projectRoot);
}

export interface PlatformFunctionProps {
  /** Absolute path of the entry file; it exports `handler`. */
  readonly entry: string;
  /** The repository root: esbuild resolves packages from its node_modules (package-lock.json's versions). */
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
  readonly function: lambda.Function;
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

    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(props.projectRoot, {
        // The hash of the bundle, not of the project directory: a change that does not reach the
        // bundle does not redeploy the function.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: {
            tryBundle(outputDir) {
              bundlePlatformFunction(props.entry, outputDir, props.projectRoot);
              return true;
            },
          },
          // Never used: local bundling always succeeds or throws (esbuild is a devDependency, and
          // there is no Docker engine to fall back on). The image is required by the type.
          image: DockerImage.fromRegistry('dummy'),
          // Never run either, but not idle: CDK caches staged assets within a synth by these
          // options, and cannot see into tryBundle; without the entry named here every function
          // would get the first function's bundle.
          command: ['esbuild', relative(props.projectRoot, props.entry)],
        },
      }),
      handler: `${ENTRY_FILE.replace(/\.mjs$/, '')}.handler`,
      runtime: PLATFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: { ...props.environment, NODE_OPTIONS: PLATFORM_NODE_OPTIONS },
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
