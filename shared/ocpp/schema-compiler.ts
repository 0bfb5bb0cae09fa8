/**
 * The one Ajv set-up for the official OCPP JSON schemas (shipped by ocpp-rpc): what ocpp-rpc's own
 * validator configures (`ocpp-rpc/lib/validator.js`), so validation stays exactly as strict as the
 * charger simulator's, with one change of form: its float-tolerant `multipleOf` is written as a
 * keyword that generates code instead of a closure, so Ajv's standalone mode can emit it.
 *
 * It serves twice: the Lambda bundles get validators compiled from it ahead of time
 * (lib/ocpp-validators.ts writes them as a module, resolved through the `#ocpp-validators` import
 * in the bundles), and code run from source (tests, the local runtime) compiles with it on first
 * use (schema-validators.ts). Same Ajv, same options, same keyword: the same generated code.
 */
import { _, Ajv, type KeywordCxt } from 'ajv';
import addFormats from 'ajv-formats';
import ocpp16Schemas from 'ocpp-rpc/lib/schemas/ocpp1_6.json' with { type: 'json' };
import type { OcppVersion } from './versions.js';

export interface OcppSchema {
  readonly $id: string;
}

/** The official schemas of each version, as ocpp-rpc ships them. */
export const OCPP_SCHEMAS: Readonly<Record<OcppVersion, readonly OcppSchema[]>> = {
  'ocpp1.6': ocpp16Schemas as OcppSchema[],
};

/**
 * The tolerance of ocpp-rpc's `multipleOf`: OCPP's `multipleOf: 0.1` on charging limits would
 * refuse most decimal fractions with the exact check (0.3 / 0.1 is 2.9999999999999996).
 */
const MULTIPLE_OF_EPSILON = 1e-6;

/** An Ajv holding every schema of `version`; `source` keeps the generated code for standalone output. */
export function createOcppAjv(version: OcppVersion, options: { source?: boolean } = {}): Ajv {
  // ocpp-rpc's options: non-strict schemas (the official ones carry keywords Ajv's strict mode
  // refuses), no coercion, stop at the first error; and every ajv-formats format (date-time, uri).
  const ajv = new Ajv({ strictSchema: false, code: { source: options.source ?? false } });
  addFormats.default(ajv);
  ajv.addSchema([...OCPP_SCHEMAS[version]]);
  ajv.removeKeyword('multipleOf');
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    metaSchema: { type: 'number' },
    // ocpp-rpc's test, negated as the failure condition: valid when the quotient is within epsilon
    // of an integer. No error definition: Ajv reports the keyword with its default message, as it
    // did for ocpp-rpc's `errors: false` keyword.
    code(cxt: KeywordCxt) {
      const quotient = _`${cxt.data} / ${cxt.schema}`;
      cxt.fail(_`!(Math.abs(Math.round(${quotient}) - ${quotient}) < ${MULTIPLE_OF_EPSILON})`);
    },
  });
  return ajv;
}
