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
 */

import ocpp16Schemas from 'ocpp-rpc/lib/schemas/ocpp1_6.json' with { type: 'json' };
import { createValidator, type Validator } from 'ocpp-rpc/lib/validator.js';
import { OcppError, type OcppErrorCode } from './errors.js';
import type { OcppVersion } from './versions.js';

export interface PayloadValidator {
  readonly version: OcppVersion;
  /** True when the version defines this action (there is a `<action>.req` schema). */
  knowsAction(action: string): boolean;
  /** Undefined when valid; else the error to answer with. */
  checkRequest(action: string, payload: unknown): OcppError | undefined;
  checkResponse(action: string, payload: unknown): OcppError | undefined;
}

interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
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
export function codeForSchemaError(error: AjvErrorLike | undefined): OcppErrorCode {
  if (!error) return 'FormatViolation';
  if (error.keyword === 'type' && error.instancePath === '') return 'FormatViolation';
  return KEYWORD_CODES[error.keyword] ?? 'FormatViolation';
}

interface SchemaSet {
  validator: Validator;
  ids: ReadonlySet<string>;
}

const SCHEMA_SOURCES: Record<OcppVersion, () => { $id: string }[]> = {
  'ocpp1.6': () => ocpp16Schemas as { $id: string }[],
};

const cache = new Map<OcppVersion, PayloadValidator>();

/** The validator for a version, built once per process (Ajv compiles each schema on first use). */
export function validatorFor(version: OcppVersion): PayloadValidator {
  let v = cache.get(version);
  if (!v) {
    const schemas = SCHEMA_SOURCES[version]();
    v = buildValidator(version, {
      validator: createValidator(version, schemas),
      ids: new Set(schemas.map((s) => s.$id)),
    });
    cache.set(version, v);
  }
  return v;
}

function buildValidator(version: OcppVersion, set: SchemaSet): PayloadValidator {
  const check = (id: string, payload: unknown): OcppError | undefined => {
    if (!set.ids.has(id)) return new OcppError('NotImplemented', `no schema ${id} in ${version}`);
    try {
      set.validator.validate(id, payload);
      return undefined;
    } catch (err) {
      const errors = (err as { details?: { errors?: AjvErrorLike[] } }).details?.errors;
      const first = errors?.[0];
      const where = first?.instancePath ? `${first.instancePath} ` : '';
      return new OcppError(
        codeForSchemaError(first),
        `${where}${first?.message ?? 'invalid payload'}`.trim(),
        {
          details: first ? { keyword: first.keyword, path: first.instancePath, ...first.params } : {},
        },
      );
    }
  };
  return {
    version,
    knowsAction: (action) => set.ids.has(`urn:${action}.req`),
    checkRequest: (action, payload) => check(`urn:${action}.req`, payload),
    checkResponse: (action, payload) => check(`urn:${action}.conf`, payload),
  };
}
