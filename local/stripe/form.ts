/**
 * Decoder for Stripe's form encoding (`application/x-www-form-urlencoded` with bracket notation), as the
 * SDK writes it: `metadata[a]=b`, `expand[0]=x` (indexed arrays), `expand[]=x` (appended arrays),
 * `transfer_data[destination]=acct_1`. Values stay strings; endpoint schemas convert them.
 * Hand-written: Stripe's dialect (indexed arrays, `metadata` keys that look like indexes) is small and
 * the common `qs`-style packages are not dependencies of this project.
 */
import { invalidParam } from './errors.js';

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Hash-valued parameters whose keys are user data and must never turn into arrays. */
const HASH_PARAMS = new Set(['metadata']);
const MAX_DEPTH = 8;

export function decodeForm(input: string): FormObject {
  const root: FormObject = {};
  if (!input) return root;
  for (const pair of input.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    const value = decodeComponent(rawValue);
    insert(root, parseKey(key), value, key);
  }
  return arrayify(root, null) as FormObject;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw invalidParam(text, `Invalid URL encoding: ${text}`);
  }
}

/** `a[b][]` → ['a', 'b', ''] ('' means "append"). */
function parseKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/gy;
  re.lastIndex = open;
  let match = re.exec(key);
  let end = open;
  while (match) {
    segments.push(match[1] ?? '');
    end = re.lastIndex;
    match = re.exec(key);
  }
  if (end !== key.length) throw invalidParam(key, `Invalid parameter name: ${key}`);
  if (segments.length > MAX_DEPTH) throw invalidParam(key, `Parameter nested too deeply: ${key}`);
  return segments;
}

function insert(root: FormObject, segments: string[], value: string, fullKey: string): void {
  let node: FormObject = root;
  for (let i = 0; i < segments.length; i++) {
    let segment = segments[i] ?? '';
    if (segment === '') segment = String(Object.keys(node).length);
    if (segment === '__proto__') throw invalidParam(fullKey, `Invalid parameter name: ${fullKey}`);
    const last = i === segments.length - 1;
    const existing = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (last) {
      if (existing !== undefined && typeof existing !== 'string') {
        throw invalidParam(fullKey, `Invalid ${fullKey}: given both as a value and as a hash`);
      }
      node[segment] = value;
      return;
    }
    if (existing === undefined) {
      const child: FormObject = {};
      node[segment] = child;
      node = child;
    } else if (typeof existing === 'string' || Array.isArray(existing)) {
      throw invalidParam(fullKey, `Invalid ${fullKey}: given both as a value and as a hash`);
    } else {
      node = existing;
    }
  }
}

/** Objects whose keys are exactly 0..n-1 become arrays (the SDK's indexed array format). */
function arrayify(value: FormValue, parentKey: string | null): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const key of keys) converted[key] = arrayify(value[key] as FormValue, key);
  const isHashParam = parentKey !== null && HASH_PARAMS.has(parentKey);
  if (!isHashParam && keys.length > 0 && keys.every((k, i) => k === String(i))) {
    return keys.map((k) => converted[k] as FormValue);
  }
  return converted;
}
