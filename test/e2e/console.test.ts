/**
 * The operator console in real headless Chromium (Debian's, through playwright-core) against the
 * shared test platform, as a person uses it: sign in with password and a TOTP code computed by
 * otpauth, set a tariff, add a charger (its credentials shown once) and drive a session on it with
 * the simulated charger, look at that session's charge, approve a charger that registered itself,
 * rotate an API key, sign out; and the ways sign-in goes wrong (a wrong second factor, then the
 * lockout after five). Each describe has an operator of its own, made as the admin CLI makes one
 * (the invitation read back from the SES inbox and accepted through the API).
 *
 * Screenshots of every section, at 1280 px and at a phone's 390 px, go to .cache/screenshots as
 * artifacts of the run.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../local/chromium.js';
import { readInbox } from '../../local/ses-local.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoUserStore } from '../../shared/adapters/dynamodb/users.js';
import { createSesClient } from '../../shared/adapters/ses/client.js';
import { createSesMailer } from '../../shared/adapters/ses/mailer.js';
import { issueApiKey } from '../../shared/app/operators/api-keys.js';
import { systemClock } from '../../shared/ports/clock.js';
import { aConsoleOwner } from '../fixtures/console-owner.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const { httpUrl, sesUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const SHOTS = join(import.meta.dirname, '../../.cache/screenshots');
const PASSWORD = 'a long enough console password';

const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const ses = createSesClient({ region: 'local', endpoint: sesUrl });
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  doc.destroy();
  ses.destroy();
});

interface ConsoleUser {
  operatorId: string;
  operatorName: string;
  email: string;
  /** The authenticator app's code `offsetSteps` 30-second steps from now. */
  code: (offsetSteps?: number) => string;
  /** An API key of the operator, for what the test sets up around the console. */
  apiKey: string;
}

/**
 * An operator of its own with one owner who has accepted the invitation (test/fixtures/console-owner.ts),
 * and an API key of the operator.
 */
async function aConsoleUser(opts: { kind: 'public' | 'group'; allowPendingChargers?: boolean }) {
  const t = { doc, tableName: platform.tableName };
  const operators = new DynamoOperatorRegistry(t);
  const users = new DynamoUserStore(t);
  const operatorId = `op-console-${randomUUID().slice(0, 8)}`;
  const operatorName = `Console ${opts.kind} ${operatorId.slice(-4)}`;
  const email = `owner-${randomUUID().slice(0, 8)}@console.example`;
  await operators.create({
    operatorId,
    name: operatorName,
    kind: opts.kind,
    currency: 'GBP',
    timeZone: 'Europe/London',
    contactEmail: email,
    allowPendingChargers: opts.allowPendingChargers ?? false,
    allowFreeUse: false,
    preAuthAmountMinor: 2000,
    createdAt: new Date().toISOString(),
  });
  const deps = {
    operators,
    users,
    mailer: createSesMailer({ client: ses, defaultFrom: 'receipts@ev-platform.local' }),
    clock: systemClock,
    publicBaseUrl: httpUrl,
  };
  const { key: apiKey } = await issueApiKey(deps, operatorId, { label: 'console test set-up' });
  const { code } = await aConsoleOwner(platform, operatorId, operatorName, { email, password: PASSWORD });
  return { operatorId, operatorName, email, code, apiKey } satisfies ConsoleUser;
}

/** A page in a browser context of its own, collecting CSP violations and script errors. */
async function aBrowserPage(width = 1280): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems };
}

async function enterPassword(page: Page, user: ConsoleUser, password = PASSWORD) {
  await page.goto(`${httpUrl}/console`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Second step' }).waitFor();
}

async function enterCode(page: Page, code: string) {
  await page.locator('#factor-code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const factorMessage = (page: Page) => page.locator('#factor-message').textContent();

/**
 * Opens a console page by its address, as a bookmark or a reload does: a fresh document (a change of
 * hash alone would keep the last page's drawing on screen until the new one is in), signed in again
 * from the session cookie. Each page has one h1, drawn once its data is in.
 */
async function open(page: Page, hash: string) {
  await page.goto('about:blank');
  await page.goto(`${httpUrl}/console#/${hash}`);
  await page.locator('#view h1').first().waitFor({ timeout: 15_000 });
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });

describe('an operator owner in the console', () => {
  let user: ConsoleUser;
  let page: Page;
  let problems: string[];
  let chargerPassword: string;
  const chargerId = `CONSOLE-${randomUUID().slice(0, 6).toUpperCase()}`;

  beforeAll(async () => {
    user = await aConsoleUser({ kind: 'public', allowPendingChargers: true });
    ({ page, problems } = await aBrowserPage());
  });

  afterAll(() => {
    // Every page the console drew ran under the strict CSP without one refusal or script error.
    expect(problems).toEqual([]);
  });

  it('signs in with email, password and the authenticator app’s code, and lands on the dashboard', async () => {
    await enterPassword(page, user);
    await shot(page, 'second-factor');
    await enterCode(page, user.code());
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.locator('#who').textContent()).toBe(user.email);
    await expect.poll(() => page.locator('#opname').textContent()).toBe(user.operatorName);
    expect(await page.locator('#dash-online').textContent()).toBe('0');
    // The session is an HttpOnly cookie the page cannot read, and no key is kept in the browser.
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate('localStorage.length')).toBe(0);
  });

  it('sets a tariff, with a live sample receipt as the prices are typed', async () => {
    await open(page, 'tariffs-new');
    await page.getByLabel('Tariff id').fill('standard');
    await page.getByLabel('Name').fill('Standard');
    await page.getByLabel('Energy', { exact: true }).fill('0.30');
    await page.getByLabel('Session fee', { exact: true }).fill('1');
    await page.getByLabel('Session fee VAT %').fill('0');
    // The sample: 20 kWh over 90 minutes; 20 × 30p = £6.00 + 20 % VAT = £7.20, plus £1.00 = £8.20.
    const total = page.locator('#preview-lines tfoot .total-cell');
    await expect.poll(() => total.textContent()).toBe('£8.20');
    await page.getByLabel('Energy', { exact: true }).fill('0.455');
    // 20 × 45.5p = £9.10 + £1.82 VAT = £10.92, plus £1.00.
    await expect.poll(() => total.textContent()).toBe('£11.92');
    await page.getByLabel('Energy', { exact: true }).fill('0.30');
    await page.getByRole('button', { name: 'Save tariff' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('Tariff Standard is saved');
    expect(page.url()).toMatch(/#\/tariffs\/standard$/);
    await expect.poll(() => total.textContent()).toBe('£8.20');
    await shot(page, 'tariff');
    const stored = await operatorApi(httpUrl, user.apiKey)('GET', '/tariffs/standard');
    expect(stored.json.tariff.elements).toEqual([
      {
        components: [
          { type: 'ENERGY', priceMilliMinor: 30_000, taxRateBp: 2000 },
          { type: 'FLAT', priceMilliMinor: 100_000, taxRateBp: 0 },
        ],
      },
    ]);
  });

  it('refuses a tariff the platform finds wrong, naming the problem', async () => {
    await open(page, 'tariffs/standard');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save tariff' }).click();
    await expect.poll(() => page.locator('#tariff-form .message').textContent()).toContain('timeZone');
  });

  it('adds a charger and shows its password and connection URL once', async () => {
    await open(page, 'chargers');
    await page.getByRole('link', { name: 'Add a charger' }).click();
    await page.getByLabel('Charger id').fill(chargerId);
    await page.getByLabel('Connectors').fill('2');
    await page.getByLabel('Drivers pay').uncheck();
    // A select once the platform lists tariffs, a text field until then.
    const tariff = page.getByLabel('Tariff', { exact: true });
    if ((await tariff.evaluate((el: { tagName: string }) => el.tagName)) === 'SELECT')
      await tariff.selectOption('standard');
    else await tariff.fill('standard');
    await page.getByRole('button', { name: 'Add charger' }).click();
    const secret = page.locator('.secret');
    await secret.waitFor();
    const values = await secret.locator('code').allTextContents();
    expect(values[0]).toBe(chargerId);
    chargerPassword = values[1] ?? '';
    expect(chargerPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(values[2]).toMatch(new RegExp(`/ocpp/${chargerId}$`));
    await shot(page, 'charger-added');
    // The password is in that answer only: the charger's page never shows it.
    await open(page, `chargers/${chargerId}`);
    expect(await page.locator('#view').textContent()).not.toContain(chargerPassword);
  });

  it('shows the charger online with its connectors, and its QR codes', async () => {
    const client = simulatedCharger({ ocppUrl, chargerId, password: chargerPassword });
    await client.connect();
    await client.call('BootNotification', { chargePointVendor: 'Console', chargePointModel: 'E2E' });
    await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    await open(page, `chargers/${chargerId}`);
    expect(await page.locator('.head').textContent()).toContain('online');
    expect(await page.locator('#view').textContent()).toContain('Available');
    const qr = page.getByRole('img', { name: 'QR code of connector 2' });
    // The image loaded (with the session cookie): an SVG drawn at its size.
    await expect
      .poll(() =>
        qr.evaluate(
          (img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0,
        ),
      )
      .toBe(true);
    await shot(page, 'charger');
    await client.close({ force: true });
  });

  it('looks at a session the charger drove: its energy, charge lines and total', async () => {
    await operatorApi(httpUrl, user.apiKey)('PUT', '/id-tags/CONSOLE-CARD', {
      kind: 'fleet',
      label: 'Console test card',
    });
    const client = simulatedCharger({ ocppUrl, chargerId, password: chargerPassword });
    await client.connect();
    const t0 = Date.UTC(2026, 0, 15, 12, 0, 0);
    const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
    const { transactionId } = (await client.call('StartTransaction', {
      connectorId: 1,
      idTag: 'CONSOLE-CARD',
      meterStart: 1_000_000,
      timestamp: at(0),
    })) as { transactionId: number };
    await client.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: at(10), sampledValue: [{ value: '1001000', unit: 'Wh' }] }],
    });
    await client.call('StopTransaction', { transactionId, meterStop: 1_002_000, timestamp: at(20) });
    await client.close({ force: true });

    await open(page, 'sessions');
    const link = page.getByRole('link', { name: `${chargerId} · ${transactionId}` });
    await link.click();
    // 2 kWh × 30p = 60p + 12p VAT; the session fee £1.00 with no VAT: £1.72 once the stream priced it.
    await expect
      .poll(
        async () => {
          await open(page, `sessions/${chargerId}/${transactionId}`);
          return page.locator('#session-lines tfoot .total-cell').textContent();
        },
        { timeout: 20_000 },
      )
      .toBe('£1.72');
    expect(await page.locator('#session-energy').textContent()).toBe('2.000 kWh');
    const lines = await page.locator('#session-lines tbody tr').allTextContents();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('Energy');
    expect(lines[0]).toContain('£0.72');
    expect(lines[1]).toContain('Session fee');
    await shot(page, 'session');
  });

  it('says how a session no card paid is paid, and offers no refund for it', async () => {
    // The session above: a fleet card at a public charger that takes no payment collects nothing.
    expect(await page.locator('#payment').textContent()).toContain('Nothing is collected for this session');
    expect(await page.locator('#refund').count()).toBe(0);
    await open(page, 'sessions');
    expect(await page.locator('#sessions td.payment').first().textContent()).toBe('Free');
  });

  it('approves a charger that registered itself under a claimed prefix', async () => {
    const prefix = `CON${randomUUID().slice(0, 6).toUpperCase()}`;
    const pendingId = `${prefix}-01`;
    expect((await operatorApi(httpUrl, user.apiKey)('PUT', `/registration-prefixes/${prefix}`)).status).toBe(
      200,
    );
    const client = simulatedCharger({ ocppUrl, chargerId: pendingId, password: 'self-registered-secret' });
    await client.connect();
    const boot = () =>
      client.call('BootNotification', { chargePointVendor: 'Console', chargePointModel: 'Pending' });
    expect(await boot()).toMatchObject({ status: 'Pending' });
    await open(page, 'chargers');
    const row = page.locator('#chargers tr', { hasText: pendingId });
    expect(await row.textContent()).toContain('pending');
    await row.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => row.textContent()).toContain('active');
    expect(await row.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await boot()).toMatchObject({ status: 'Accepted' });
    await client.close({ force: true });
  });

  it('creates an API key, shown once, and rotates it: the new key works, the old one is expiring', async () => {
    await open(page, 'api-keys');
    await page.getByLabel('What it is for').fill('billing export');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.locator('#new-key code');
    await shown.waitFor();
    const first = (await shown.textContent()) ?? '';
    expect(first).toMatch(/^evk_/);
    expect((await operatorApi(httpUrl, first)('GET', '/operator')).status).toBe(200);

    page.once('dialog', (d) => d.accept());
    const row = page.locator('#keys tr', { hasText: 'billing export' }).filter({ hasText: 'active' });
    await row.getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.locator('#new-key h2').textContent()).toContain('The new key');
    const second = (await shown.textContent()) ?? '';
    expect(second).toMatch(/^evk_/);
    expect(second).not.toBe(first);
    expect((await operatorApi(httpUrl, second)('GET', '/operator')).status).toBe(200);
    expect(await page.locator('#keys').textContent()).toContain('expiring');
    await shot(page, 'api-keys');

    // Revoked at once: the rotated key stops working without waiting for its grace.
    const secondRow = page
      .locator('#keys tr')
      .filter({ hasText: 'active' })
      .filter({ hasText: 'billing export' });
    page.once('dialog', (d) => d.accept());
    await secondRow.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('revoked');
    expect((await operatorApi(httpUrl, second)('GET', '/operator')).status).toBe(401);
  });

  it('shows every section, each with its content, an empty state or "not available"', async () => {
    const sections = [
      'dashboard',
      'sessions',
      'tariffs',
      'sites',
      'groups',
      'fleets',
      'users',
      'settings',
      'account',
    ];
    for (const section of sections) {
      await open(page, section);
      const text = (await page.locator('#view').textContent()) ?? '';
      expect(text, section).not.toContain('Could not load');
      await shot(page, section);
    }
    const phone = await aBrowserPage(390);
    // A phone of its own signs in with the next step's code (a used step is refused).
    await enterPassword(phone.page, user);
    await enterCode(phone.page, user.code(1));
    await phone.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    for (const section of [
      'dashboard',
      'chargers',
      `sessions`,
      'tariffs/standard',
      `chargers/${chargerId}`,
    ]) {
      await open(phone.page, section);
      await phone.page.screenshot({
        path: join(
          SHOTS,
          `console-phone-${section === `chargers/${chargerId}` ? 'charger' : section.replace(/\//g, '-')}.png`,
        ),
        fullPage: true,
      });
    }
    expect(phone.problems).toEqual([]);
  });

  let recoveryCodes: string[] = [];

  it('sets up a new authenticator app from its QR code or its key, and shows new recovery codes once', async () => {
    await open(page, 'account');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await expect
      .poll(() =>
        qr.evaluate(
          (img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0,
        ),
      )
      .toBe(true);
    const secret = (await page.locator('#totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const fromNewApp = (offsetSteps = 0) =>
      new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({
        timestamp: Date.now() + offsetSteps * 30_000,
      });
    await page.getByLabel('The 6-digit code the app shows').fill('000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('#totp .message').textContent()).toContain('does not match');
    await page.getByLabel('The 6-digit code the app shows').fill(fromNewApp());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#recovery-codes li').first().waitFor();
    recoveryCodes = await page.locator('#recovery-codes li').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await shot(page, 'authenticator');
    // The old app's codes stop working; the new app's are the ones sign-in asks for from now on.
    user.code = fromNewApp;
  });

  it('signs out: the page asks to sign in again and the session no longer reaches the API', async () => {
    await open(page, 'dashboard');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('#signin-message').textContent()).toBe('You are signed out.');
    expect(await page.locator('#app').isHidden()).toBe(true);
    const status = await page.evaluate("fetch('/api/v1/operator').then(r => r.status)");
    expect(status).toBe(401);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the operator console' }).waitFor();
  });

  it('signs in with a recovery code instead of the app, which then works no more', async () => {
    await enterPassword(page, user);
    await page.getByRole('button', { name: 'Recovery code' }).click();
    expect(await page.locator('#factor-label').textContent()).toBe('One of your recovery codes');
    await enterCode(page, recoveryCodes[0] ?? '');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await enterPassword(page, user);
    await page.getByRole('button', { name: 'Recovery code' }).click();
    await enterCode(page, recoveryCodes[0] ?? '');
    await expect.poll(() => factorMessage(page)).toContain('That code is not right');
  });

  it('signs in with a code sent by email', async () => {
    await enterPassword(page, user);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await expect.poll(() => factorMessage(page)).toContain('We sent a code to your email address');
    const mail = (await readInbox(sesUrl))
      .filter((m) => m.destination.to.includes(user.email) && m.subject?.startsWith('Your sign-in code'))
      .at(-1);
    const emailed = /sign-in code is (\S+?)\./.exec(mail?.body.text ?? '')?.[1];
    expect(emailed).toBeDefined();
    await enterCode(page, emailed ?? '');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });
});

describe('signing in with a wrong second factor', () => {
  let user: ConsoleUser;

  beforeAll(async () => {
    user = await aConsoleUser({ kind: 'group' });
  });

  it('says the code is wrong and how many tries are left, then locks sign-in after five', async () => {
    const { page, problems } = await aBrowserPage();
    await enterPassword(page, user);
    await enterCode(page, '000000');
    await expect
      .poll(() => factorMessage(page))
      .toBe('That code is not right: 4 more tries before sign-in is locked.');
    await shot(page, 'wrong-code');
    for (let i = 0; i < 3; i++) await enterCode(page, '000000');
    await expect.poll(() => factorMessage(page)).toContain('1 more try before sign-in is locked');
    await enterCode(page, '000000');
    await expect
      .poll(() => factorMessage(page))
      .toMatch(
        /^Too many wrong codes: sign-in to this account is locked until \d\d:\d\d \(1[45] min\)\. Try again later\.$/,
      );
    expect(await page.locator('#factor-code').isDisabled()).toBe(true);
    await shot(page, 'locked');

    // The right password is refused too while the lock lasts, with the same message.
    await page.goto(`${httpUrl}/console`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#signin-message').textContent()).toContain('locked until');
    expect(problems).toEqual([]);
  });

  it('answers a wrong password without saying whether the email is known', async () => {
    const { page } = await aBrowserPage();
    await page.goto(`${httpUrl}/console`);
    await page.getByLabel('Email').fill(`nobody-${user.email}`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#signin-message').textContent()).toBe('Wrong email or password.');
  });
});

/** Group members come from the members API (`/api/v1/groups/{groupId}/members`). */
describe('a closed group in the console', () => {
  it('invites a member by email: the invitation goes out and the member is listed as invited', async () => {
    const user = await aConsoleUser({ kind: 'group' });
    const created = await operatorApi(httpUrl, user.apiKey)('PUT', '/groups/residents', {
      name: 'Residents',
    });
    expect(created.status).toBe(200);
    const { page, problems } = await aBrowserPage();
    await enterPassword(page, user);
    await enterCode(page, user.code());
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await open(page, 'groups/residents');
    const tenant = `tenant-${randomUUID().slice(0, 8)}@flat.example`;
    await page.getByLabel('Email (we send an invitation)').fill(tenant);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toBe(`An invitation is on its way to ${tenant}.`);
    const row = page.locator('#members tr', { hasText: tenant });
    expect(await row.textContent()).toContain('invited');
    await expect
      .poll(async () => (await readInbox(sesUrl)).some((m) => m.destination.to.includes(tenant)))
      .toBe(true);
    await shot(page, 'group-members');
    expect(problems).toEqual([]);
  });
});

describe('an old console link with an API key in it', () => {
  it('signs nobody in, drops the key from the address bar and says keys are for machines', async () => {
    const { page } = await aBrowserPage();
    await page.goto(`${httpUrl}/console?key=demo-operator-key`);
    await expect
      .poll(() => page.locator('#signin-message').textContent())
      .toContain('API keys are for machines');
    expect(page.url()).toBe(`${httpUrl}/console`);
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await shot(page, 'sign-in');
  });
});
