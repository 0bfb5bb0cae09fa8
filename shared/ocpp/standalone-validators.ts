/**
 * `#ocpp-validators` in the Lambda bundles: validators from the code Ajv's standalone mode wrote at
 * build time (lib/ocpp-validators.ts), one schema at a time. The code of every schema is read on the
 * first validation (a JSON file beside the bundle, not part of its init), and each schema's code is
 * evaluated the first time a frame needs it: a cold start compiles nothing for the 50-odd schemas
 * its first frames do not use. That is Ajv's own last step (it evaluates the code it generates with
 * `new Function`), minus the generation: no Ajv at run time.
 */
import type { SchemaValidateFunction } from './schema-validators.js';
import type { OcppVersion } from './versions.js';

/** Per version, per schema id (`urn:Authorize.req`): the standalone code that exports its validator. */
export type StandaloneSources = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * `schemaValidator` over generated sources, which `loadSources` gives on the first call. `runtime`
 * resolves the modules the generated code requires (Ajv's runtime helpers, the formats of
 * ajv-formats), which the bundle holds.
 */
export function standaloneValidators(
  loadSources: () => StandaloneSources,
  runtime: (specifier: string) => unknown,
): (version: OcppVersion, id: string) => SchemaValidateFunction | undefined {
  const compiled = new Map<string, SchemaValidateFunction>();
  let sources: StandaloneSources | undefined;
  return (version, id) => {
    sources ??= loadSources();
    const byId = sources[version];
    if (!byId || !Object.hasOwn(byId, id)) return undefined;
    const key = `${version} ${id}`;
    let validate = compiled.get(key);
    if (!validate) {
      const exports: Record<string, SchemaValidateFunction> = {};
      // Build-time code from our own schemas, never input: evaluated as Ajv evaluates what it generates.
      new Function('exports', 'require', byId[id] as string)(exports, runtime);
      validate = exports[id];
      if (!validate) throw new Error(`the generated code of ${id} (${version}) exports no validator`);
      compiled.set(key, validate);
    }
    return validate;
  };
}
