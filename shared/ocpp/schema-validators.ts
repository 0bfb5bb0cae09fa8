/**
 * `#ocpp-validators` when run from source (tests, the local runtime, scripts): each schema compiled
 * by Ajv on first use. The Lambda bundles resolve `#ocpp-validators` (package.json `imports`, the
 * `ocpp-standalone` condition) to the same validators compiled at build time by
 * lib/ocpp-validators.ts, which exports this module's interface; test/unit/ocpp/standalone-validators.test.ts
 * holds the two to the same answers.
 */
import type { Ajv } from 'ajv';
import { createOcppAjv } from './schema-compiler.js';
import type { OcppVersion } from './versions.js';

/** The first error is the one used (Ajv stops at it). */
export interface SchemaErrorObject {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** An Ajv validate function: false with `errors` set when the payload is invalid. */
export interface SchemaValidateFunction {
  (payload: unknown): boolean;
  errors?: SchemaErrorObject[] | null;
}

const ajvs = new Map<OcppVersion, Ajv>();

/** The validator of one schema id (`urn:Authorize.req`) of a version; undefined for an unknown id. */
export function schemaValidator(version: OcppVersion, id: string): SchemaValidateFunction | undefined {
  let ajv = ajvs.get(version);
  if (!ajv) {
    ajv = createOcppAjv(version);
    ajvs.set(version, ajv);
  }
  // getSchema resolves references too; only a top-level schema id is a PDU.
  if (!Object.hasOwn(ajv.schemas, id)) return undefined;
  return ajv.getSchema(id) as SchemaValidateFunction | undefined;
}
