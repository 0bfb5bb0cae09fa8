/**
 * Payload validation against the official OCPP JSON schemas shipped by ocpp-rpc, keyed by protocol
 * version. Ajv runs without type coercion (its default): a `"5"` where the schema says integer is a
 * TypeConstraintViolation, never silently a 5.
 *
 * ocpp-rpc's own keyword → code table speaks 2.0.1 ("FormatViolation") and calls an unknown property
 * a PropertyConstraintViolation; we map the Ajv keyword ourselves to the neutral codes of
 * errors.ts, which the edge turns into the 1.6 spelling:
 * - a payload that is not an object, or has a property the PDU does not define → FormatViolation
 *   (1.6 FormationViolation: "not conform the PDU structure")
 * - wrong JSON type, bad date-time, string over its CiString length → TypeConstraintViolation
 *   (1.6 types CiString20Type, dateTime carry the length and format)
 * - enum / range / pattern → PropertyConstraintViolation (a field holds an invalid value)
 * - missing required field, array size → OccurrenceConstraintViolation
 *
 * The validators come from `#ocpp-validators`: in the Lambda bundles, code Ajv generated at build time
 * (lib/ocpp-validators.ts), so `$default` loads no Ajv and compiles nothing at a cold start; run from
 * source, Ajv compiling each schema on first use (schema-validators.ts). Both from schema-compiler.ts.
 */

import { schemaValidator } from '#ocpp-validators';
import { OcppError, type OcppErrorCode } from './errors.js';
import type { SchemaErrorObject } from './schema-validators.js';
import type { OcppVersion } from './versions.js';

export interface PayloadValidator {
  readonly version: OcppVersion;
  /** True when the version defines this action (there is a `<action>.req` schema). */
  knowsAction(action: string): boolean;
  /** Undefined when valid; else the error to answer with. */
  checkRequest(action: string, payload: unknown): OcppError | undefined;
  checkResponse(action: string, payload: unknown): OcppError | undefined;
}

const KEYWORD_CODES: Record<string, OcppErrorCode> = {
  type: 'TypeConstraintViolation',
  format: 'TypeConstraintViolation',
  maxLength: 'TypeConstraintViolation',
  minLength: 'TypeConstraintViolation',
  enum: 'PropertyConstraintViolation',
  const: 'PropertyConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  minimum: 'PropertyConstraintViolation',
  maximum: 'PropertyConstraintViolation',
  exclusiveMinimum: 'PropertyConstraintViolation',
  exclusiveMaximum: 'PropertyConstraintViolation',
  multipleOf: 'PropertyConstraintViolation',
  required: 'OccurrenceConstraintViolation',
  minItems: 'OccurrenceConstraintViolation',
  maxItems: 'OccurrenceConstraintViolation',
  minProperties: 'OccurrenceConstraintViolation',
  maxProperties: 'OccurrenceConstraintViolation',
  additionalProperties: 'FormatViolation',
  additionalItems: 'FormatViolation',
};

/** Neutral code for the first Ajv error (Ajv stops at the first error: allErrors is off). */
export function codeForSchemaError(error: SchemaErrorObject | undefined): OcppErrorCode {
  if (!error) return 'FormatViolation';
  if (error.keyword === 'type' && error.instancePath === '') return 'FormatViolation';
  return KEYWORD_CODES[error.keyword] ?? 'FormatViolation';
}

const cache = new Map<OcppVersion, PayloadValidator>();

/** The validator for a version, built once per process. */
export function validatorFor(version: OcppVersion): PayloadValidator {
  let v = cache.get(version);
  if (!v) {
    v = buildValidator(version);
    cache.set(version, v);
  }
  return v;
}

function buildValidator(version: OcppVersion): PayloadValidator {
  const check = (id: string, payload: unknown): OcppError | undefined => {
    const validate = schemaValidator(version, id);
    if (!validate) return new OcppError('NotImplemented', `no schema ${id} in ${version}`);
    if (validate(payload)) return undefined;
    const first = validate.errors?.[0];
    const where = first?.instancePath ? `${first.instancePath} ` : '';
    return new OcppError(codeForSchemaError(first), `${where}${first?.message ?? 'invalid payload'}`.trim(), {
      details: first ? { keyword: first.keyword, path: first.instancePath, ...first.params } : {},
    });
  };
  return {
    version,
    knowsAction: (action) => schemaValidator(version, `urn:${action}.req`) !== undefined,
    checkRequest: (action, payload) => check(`urn:${action}.req`, payload),
    checkResponse: (action, payload) => check(`urn:${action}.conf`, payload),
  };
}
