/**
 * zod schemas for form-encoded parameters (every value arrives as a string) and the mapping of zod
 * issues to Stripe's parameter errors (`parameter_missing`, `parameter_unknown`, `param` in bracket form).
 */
import { z } from 'zod';
import { invalidParam, missingParam, type StripeApiError, unknownParam } from './errors.js';
import type { FormObject } from './form.js';

const INTEGER = /^-?\d{1,15}$/;

/** Integer parameter, optionally bounded below. */
export function int(min?: number) {
  const base = z
    .string({ error: (iss) => `Invalid integer: ${describe(iss.input)}` })
    .regex(INTEGER, { error: (iss) => `Invalid integer: ${describe(iss.input)}` })
    .transform(Number);
  if (min === undefined) return base.pipe(z.number());
  return base.pipe(z.number().min(min, { error: `This value must be greater than or equal to ${min}.` }));
}

export const bool = () =>
  z
    .enum(['true', 'false'], { error: (iss) => `Invalid boolean: ${describe(iss.input)}` })
    .transform((v) => v === 'true');

export const str = () => z.string({ error: (iss) => `Invalid string: ${describe(iss.input)}` });

export const nonEmptyStr = () => str().min(1, { error: 'This value cannot be empty.' });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (iss) => `Invalid value: ${describe(iss.input)}; must be one of ${values.join(', ')}`,
  });

/** `metadata[key]=value`; an empty string unsets a key, `metadata=` clears all keys (on update). */
export const metadata = () =>
  z.union([
    z.literal(''),
    z.record(
      z.string().max(40, { error: 'Metadata keys can be at most 40 characters.' }),
      str().max(500, { error: 'Metadata values can be at most 500 characters.' }),
    ),
  ]);

export const expand = () => z.array(str()).optional();

export const currency = () =>
  str().regex(/^[a-z]{3}$/, {
    error: (iss) =>
      `Invalid currency: ${describe(iss.input)}. Currencies are three-letter lowercase ISO codes.`,
  });

export const listParams = {
  limit: int(1)
    .pipe(z.number().max(100, { error: 'This value must be less than or equal to 100.' }))
    .optional(),
  starting_after: str().optional(),
  ending_before: str().optional(),
  expand: expand(),
};

/** Parse `raw` against a strict object schema, throwing Stripe-shaped errors. */
export function parseParams<S extends z.ZodType>(schema: S, raw: FormObject): z.output<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw toStripeError(result.error.issues);
}

function toStripeError(issues: readonly z.core.$ZodIssue[]): StripeApiError {
  const issue = pickIssue(issues);
  const param = bracketPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return unknownParam(param ? `${param}[${key}]` : key);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return missingParam(param);
  if (issue.code === 'invalid_union') {
    const nested = issue.errors.flat();
    if (nested.length > 0) {
      const inner = toStripeError(nested.map((n) => ({ ...n, path: [...issue.path, ...n.path] })));
      if (inner.body.param) return inner;
    }
    return invalidParam(param, `Invalid ${param}: ${describe(issue.input)}`);
  }
  const message = issue.message.startsWith('Invalid input') ? `Invalid ${param}` : issue.message;
  const code =
    issue.code === 'invalid_format' && message.startsWith('Invalid integer')
      ? 'parameter_invalid_integer'
      : undefined;
  return invalidParam(param, message, code);
}

/** Report unknown keys first, as Stripe does, then the first other issue. */
function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  const first = unknown ?? issues[0];
  if (!first) throw new Error('zod reported a failure without issues');
  return first;
}

function bracketPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  if (head === undefined) return '';
  return head + rest.map((p) => `[${p}]`).join('');
}

function describe(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input === undefined) return 'nothing';
  return JSON.stringify(input);
}

/** Stripe's metadata update semantics: `''` clears everything, a key set to `''` is removed. */
export function mergeMetadata(
  current: Record<string, string> | null,
  update: '' | Record<string, string> | undefined,
): Record<string, string> {
  if (update === '') return {};
  const next = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update ?? {})) {
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}
