import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: where package-lock.json and the handler entry files live. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
