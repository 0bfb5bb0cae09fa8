/**
 * The operator console's assets: one script made of the sections below, inside one function so
 * they share the `C` namespace and leak nothing into the page, and one stylesheet. Served from
 * /assets like every page's (the CSP allows no inline script). Order matters: the framework first,
 * the sections register their routes, sign-in starts the console last.
 */
import { CATALOG_SCRIPT } from './catalog.js';
import { CHARGERS_SCRIPT } from './chargers.js';
import { CORE_SCRIPT } from './core.js';
import { FLEETS_SCRIPT } from './fleets.js';
import { PAYOUTS_SCRIPT } from './payouts.js';
import { SESSIONS_SCRIPT } from './sessions.js';
import { SETTINGS_SCRIPT } from './settings.js';
import { SIGN_IN_SCRIPT } from './sign-in.js';
import { CONSOLE_CSS } from './styles.js';
import { TARIFFS_SCRIPT } from './tariffs.js';

/** The sections in load order, by name (a unit test parses each one's part). */
export const CONSOLE_SECTIONS = {
  core: CORE_SCRIPT,
  sessions: SESSIONS_SCRIPT,
  chargers: CHARGERS_SCRIPT,
  tariffs: TARIFFS_SCRIPT,
  catalog: CATALOG_SCRIPT,
  fleets: FLEETS_SCRIPT,
  settings: SETTINGS_SCRIPT,
  payouts: PAYOUTS_SCRIPT,
  signIn: SIGN_IN_SCRIPT,
} as const;

export const CONSOLE_SCRIPT = `(function(){'use strict';\n${Object.values(CONSOLE_SECTIONS).join('\n')}\nC.start();\n})();\n`;

export const CONSOLE_ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  'console.js': { contentType: 'text/javascript; charset=utf-8', body: CONSOLE_SCRIPT },
  'console.css': { contentType: 'text/css; charset=utf-8', body: CONSOLE_CSS },
};

export { consoleShell } from './shell.js';
