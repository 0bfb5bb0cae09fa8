/**
 * zod's English messages for the domain schemas, which are written with zod/mini. Import it for its
 * effect, beside `import * as z from 'zod/mini'`.
 *
 * Why zod/mini: the chained API (`zod`) is about 460 KB of bundle that every function pricing a
 * session would compile at a cold start (npm run bench:cold); zod/mini is the same validation
 * engine (zod/v4/core) without it. Why this module: zod/mini installs no messages, so every default
 * message would read "Invalid input", while `zod` installs the English ones when it is imported.
 * Installing them here keeps every message the same whichever build a bundle also loads (httpApi
 * loads both: the same locale, installed twice).
 *
 * Why not re-export `z` from here: a namespace re-exported as a value is built whole by esbuild
 * (every locale, the JSON Schema generator), which undoes the point.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
