/**
 * A closed-group member paying by card (issue 11: "pay by card or, if the operator allows it, billed
 * to the member"), end to end over the embedded platform: an operator that does not bill members,
 * a paid group charger (strict simulated charger), a member signed in to their member page. Their
 * tag is refused at the charger (it brings no card); their member page takes a card hold through
 * the start page's own flow (the real `stripe` SDK against the emulator), the charger starts with
 * the hold's tag, the session is priced at the group price, captured, and shows on the member page
 * with how it was paid.
 */

import { randomUUID } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onboardOperator } from '../../local/onboarded-operator.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { DynamoChargerAdmin } from '../../shared/adapters/dynamodb/charger-admin.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoMemberStore } from '../../shared/adapters/dynamodb/members.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoTariffStore } from '../../shared/adapters/dynamodb/tariff-store.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import type { TransactionRecord } from '../../shared/ports/transactions.js';
import { aTariff, energy } from '../fixtures/builders/pricing.js';
import { inviteMember, signInMember } from '../fixtures/members.js';
import { payWithCard, platformStripe } from '../fixtures/payments/platform.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName: platform.tableName };
const transactions = new DynamoTransactionRepository(table);

const run = randomUUID().slice(0, 6).toUpperCase();
const operatorId = `op-mc-${run}`;
const chargerId = `MC-${run}`;
const PASSWORD = 'member-card-charger-1';
const HOLD_MINOR = 2500;

let client: RPCClient;
/** The charger's meter register (Wh) and the transactions it started. */
let meterWh = 1000;
const started: { idTag: string; transactionId: number }[] = [];

beforeAll(async () => {
  await new DynamoOperatorRegistry(table).create({
    operatorId,
    name: `Harbour Flats ${run}`,
    kind: 'group',
    currency: 'GBP',
    timeZone: 'Europe/London',
    contactEmail: `landlord-${run.toLowerCase()}@members.example`,
    allowPendingChargers: false,
    allowFreeUse: false,
    billMembers: false,
    preAuthAmountMinor: HOLD_MINOR,
    createdAt: new Date().toISOString(),
  });
  // A paid charger takes no card until its operator has onboarded (begin-payment.ts).
  await onboardOperator({
    table,
    stripeUrl: platform.endpoints.stripeUrl,
    stripeSecretKey: platform.stripeSecretKey,
    operatorId,
    currency: 'GBP',
    email: `owner-${operatorId}@flats.example`,
  });
  const tariffs = new DynamoTariffStore(doc, platform.tableName);
  // No tax, so the captured amounts are plain: £4/kWh at the site, £2/kWh for members.
  await tariffs.put(
    aTariff({ id: 'site-price', operatorId, elements: [{ components: [energy(400_000, 0)] }] }),
  );
  await tariffs.put(
    aTariff({ id: 'group-price', operatorId, elements: [{ components: [energy(200_000, 0)] }] }),
  );
  const catalog = new DynamoOperatorCatalog(doc, platform.tableName);
  await catalog.putSite({
    operatorId,
    siteId: 'harbour',
    name: 'Harbour Flats',
    timeZone: 'Europe/London',
    tariffId: 'site-price',
  });
  await catalog.putGroup({ operatorId, groupId: 'residents', name: 'Residents', tariffId: 'group-price' });
  await new DynamoChargerAdmin(doc, platform.tableName).register({
    chargerId,
    operatorId,
    siteId: 'harbour',
    passwordHash: await hashPassword(PASSWORD),
    registration: 'active',
    accessMode: 'group',
    paid: true,
    groupIds: ['residents'],
    connectorCount: 2,
    createdAt: new Date().toISOString(),
  });
  client = simulatedCharger({ ocppUrl, chargerId, password: PASSWORD });
  client.handle('RemoteStartTransaction', async ({ params: raw }) => {
    const params = raw as { idTag: string; connectorId?: number };
    // As a charger set to authorise remote starts: Authorize first, then StartTransaction.
    setImmediate(async () => {
      const auth = (await client.call('Authorize', { idTag: params.idTag })) as {
        idTagInfo: { status: string };
      };
      if (auth.idTagInfo.status !== 'Accepted') return;
      const tx = (await client.call('StartTransaction', {
        connectorId: params.connectorId ?? 1,
        idTag: params.idTag,
        meterStart: meterWh,
        timestamp: new Date().toISOString(),
      })) as { transactionId: number };
      started.push({ idTag: params.idTag, transactionId: tx.transactionId });
    });
    return { status: 'Accepted' };
  });
  client.handle('RemoteStopTransaction', async ({ params: raw }) => {
    const { transactionId } = raw as { transactionId: number };
    setImmediate(() =>
      client.call('StopTransaction', {
        transactionId,
        meterStop: meterWh,
        timestamp: new Date().toISOString(),
        reason: 'Remote',
      }),
    );
    return { status: 'Accepted' };
  });
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'MemberCard' });
  await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
});

afterAll(async () => {
  await client?.close({ force: true });
  doc.destroy();
});

const page = async (path: string, cookie: string) => {
  const res = await fetch(`${httpUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, headers: res.headers, html: await res.text() };
};
const csrfIn = (html: string) => /data-csrf="([A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? '';

async function postJson(path: string, body: unknown, cookie?: string) {
  const res = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: httpUrl, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON field by field.
  return { status: res.status, json: (await res.json()) as any };
}

const sessionStatus = async (token: string) =>
  ((await (await fetch(`${httpUrl}/t/${token}/status`)).json()) as { status: string }).status;

describe('a member at a paid group charger whose operator does not bill members', () => {
  let cookie: string;
  let memberId: string;
  let csrf: string;

  beforeAll(async () => {
    const member = await inviteMember(platform, operatorId, 'residents');
    memberId = member.memberId;
    cookie = await signInMember(platform, member);
  });

  it('is refused at the charger with their tag: it brings no card', async () => {
    const members = new DynamoMemberStore(table);
    const accountIdTag = (await members.member(operatorId, 'residents', memberId))?.accountIdTag ?? '';
    expect(accountIdTag).not.toBe('');
    const auth = (await client.call('Authorize', { idTag: accountIdTag })) as {
      idTagInfo: { status: string };
    };
    expect(auth.idTagInfo.status).toBe('Invalid');
  });

  it('is offered a card hold at the group price on their start page, with Stripe allowed in', async () => {
    const start = await page(`/m/start/${chargerId}`, cookie);
    expect(start.status).toBe(200);
    expect(start.html).toContain('You pay by card at the group price');
    expect(start.html).toContain('We hold £25.00');
    expect(start.html).toContain(`data-begin="/m/start/${chargerId}/card"`);
    expect(start.html).toContain('/assets/driver-start.js');
    expect(start.headers.get('content-security-policy')).toContain(
      new URL(platform.endpoints.stripeUrl).origin,
    );
    csrf = csrfIn(start.html);
    expect(csrf).not.toBe('');

    // The plain start form (no card) starts nothing here.
    const form = await fetch(`${httpUrl}/m/start/${chargerId}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: httpUrl, cookie },
      body: new URLSearchParams({ csrf, connectorId: '1' }).toString(),
    });
    expect(form.status).toBe(200);
    expect(started).toHaveLength(0);
  });

  it('refuses a begin without the page’s token or without the member’s cookie', async () => {
    expect(
      (await postJson(`/m/start/${chargerId}/card`, { connectorId: 1, csrf: 'forged' }, cookie)).status,
    ).toBe(403);
    expect((await postJson(`/m/start/${chargerId}/card`, { connectorId: 1, csrf })).status).toBe(401);
    // Nor does the public start page take a card at a closed group.
    const anonymous = await postJson('/api/drive/sessions', {
      chargerId,
      connectorId: 1,
      email: 'someone@example.com',
    });
    expect(anonymous.json.error.code).toBe('charger_not_payable');
  });

  it('pays by card: held, started with the hold’s tag, priced at the group price, captured, on their page', async () => {
    const begun = await postJson(`/m/start/${chargerId}/card`, { connectorId: 1, csrf }, cookie);
    expect(begun.status, JSON.stringify(begun.json)).toBe(201);
    expect(begun.json).toMatchObject({ amountMinor: HOLD_MINOR, currency: 'GBP' });
    const paymentIntentId = String(begun.json.clientSecret).split('_secret_')[0] as string;
    const token = begun.json.token as string;

    await payWithCard(platform, paymentIntentId);
    expect((await postJson(`/t/${token}/confirm`, {})).status).toBe(200);
    await expect.poll(() => started.length, { timeout: 10_000 }).toBe(1);
    const [start] = started;
    if (!start) throw new Error('the charger started nothing');
    // The hold's tag, not the member's: the charger admitted it (Authorize then StartTransaction).
    expect(start.idTag).toMatch(/^PS[0-9A-F]{18}$/);
    await expect.poll(() => sessionStatus(token), { timeout: 10_000 }).toBe('charging');

    const tx = (await transactions.get(chargerId, start.transactionId)) as TransactionRecord;
    expect(tx.idTagStatus).toBe('Accepted');
    expect((tx.tariffSnapshot as { id?: string }).id).toBe('group-price');
    expect(tx.billedTo).toBeUndefined();

    const during = await page('/m', cookie);
    expect(during.html).toContain(chargerId);
    expect(during.html).toContain('Card: £25.00 held until the session is final');

    meterWh = 4000;
    expect((await postJson(`/t/${token}/stop`, {})).status).toBe(200);
    await expect.poll(() => sessionStatus(token), { timeout: 30_000, interval: 250 }).toBe('completed');
    // 3 kWh at the group's £2/kWh (the site's £4/kWh would be £12.00).
    const pi = await platformStripe(platform).paymentIntents.retrieve(paymentIntentId);
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 600 });

    const after = await page('/m', cookie);
    expect(after.html).toContain('Paid by card: £6.00');
    expect(after.html).toContain('Energy: £6.00');
  });
});
