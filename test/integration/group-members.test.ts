/**
 * Closed-group members end to end (issue 11), through the HTTP server, DynamoDB Local, ses-local
 * and a strict simulated charger: the operator adds a member by RFID tag and invites one by email
 * through the API; the invited member reads the email, follows the link with fetch, lands on the
 * member page with its own cookie, starts a session at a paid group charger of an operator that
 * bills members (no card: billed to them, through the access rule table), sees it on the page;
 * once removed, the member's page, account tag and RFID tag are refused.
 */
import { randomUUID } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readInbox } from '../../local/ses-local.js';
import { simulatedCharger } from '../../local/simulated-charger.js';
import { DynamoOperatorCatalog } from '../../shared/adapters/dynamodb/catalog.js';
import { DynamoChargerAdmin } from '../../shared/adapters/dynamodb/charger-admin.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoOperatorRegistry } from '../../shared/adapters/dynamodb/operator-registry.js';
import { DynamoTariffStore } from '../../shared/adapters/dynamodb/tariff-store.js';
import { DynamoTransactionRepository } from '../../shared/adapters/dynamodb/transaction-repository.js';
import { hashPassword } from '../../shared/app/auth/password.js';
import { issueApiKey } from '../../shared/app/operators/api-keys.js';
import { systemClock } from '../../shared/ports/clock.js';
import { aTariff, energy } from '../fixtures/builders/pricing.js';
import { operatorApi } from '../fixtures/operator-api.js';

const platform = inject('platform');
const { httpUrl, ocppUrl, sesUrl, dynamoEndpoint } = platform.endpoints;
const doc = createDocumentClient({ region: 'local', endpoint: dynamoEndpoint });
const table = { doc, tableName: platform.tableName };
const transactions = new DynamoTransactionRepository(table);

const run = randomUUID().slice(0, 6).toUpperCase();
const operatorId = `op-gm-${run}`;
const chargerId = `GM-${run}`;
const PASSWORD = 'group-member-charger-1';
const memberEmail = `resident-${run.toLowerCase()}@members.example`;
const rfid = `RF-GM-${run}`;

let api: ReturnType<typeof operatorApi>;
let client: RPCClient;
/** The tags the platform asked the charger to start with, in order. */
const remoteStarts: { idTag: string; connectorId?: number }[] = [];

beforeAll(async () => {
  const operators = new DynamoOperatorRegistry(table);
  await operators.create({
    operatorId,
    name: `Riverside Court ${run}`,
    kind: 'group',
    currency: 'GBP',
    timeZone: 'Europe/London',
    contactEmail: `landlord-${run.toLowerCase()}@members.example`,
    allowPendingChargers: false,
    allowFreeUse: false,
    billMembers: true,
    preAuthAmountMinor: 2500,
    createdAt: new Date().toISOString(),
  });
  api = operatorApi(
    httpUrl,
    (await issueApiKey({ operators, clock: systemClock }, operatorId, { label: 'test' })).key,
  );
  const tariffs = new DynamoTariffStore(doc, platform.tableName);
  await tariffs.put(aTariff({ id: 'site-price', operatorId, elements: [{ components: [energy(40_000)] }] }));
  await tariffs.put(aTariff({ id: 'group-price', operatorId, elements: [{ components: [energy(20_000)] }] }));
  const catalog = new DynamoOperatorCatalog(doc, platform.tableName);
  await catalog.putSite({
    operatorId,
    siteId: 'court',
    name: 'Riverside Court',
    timeZone: 'Europe/London',
    tariffId: 'site-price',
  });
  await catalog.putGroup({ operatorId, groupId: 'residents', name: 'Residents', tariffId: 'group-price' });
  await new DynamoChargerAdmin(doc, platform.tableName).register({
    chargerId,
    operatorId,
    siteId: 'court',
    passwordHash: await hashPassword(PASSWORD),
    registration: 'active',
    accessMode: 'group',
    paid: true,
    groupIds: ['residents'],
    connectorCount: 2,
    createdAt: new Date().toISOString(),
  });
  client = simulatedCharger({ ocppUrl, chargerId, password: PASSWORD });
  client.handle('RemoteStartTransaction', async ({ params }) => {
    remoteStarts.push(params as { idTag: string; connectorId?: number });
    return { status: 'Accepted' };
  });
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Members' });
});

afterAll(async () => {
  await client?.close({ force: true });
  doc.destroy();
});

const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('evc_member='));

async function form(path: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${httpUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: httpUrl,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

const page = (path: string, cookie: string) =>
  fetch(`${httpUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
const csrfIn = (html: string) => /name="csrf" value="([A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? '';

describe('a closed group’s members', () => {
  let invitedId: string;
  let rfidMemberId: string;
  let cookie: string;

  it('are added by RFID tag (active at once) and invited by email (a 7-day link), and listed', async () => {
    const byTag = await api('POST', '/groups/residents/members', { idTags: [rfid], label: 'Flat 2' });
    expect(byTag.status, JSON.stringify(byTag.json)).toBe(201);
    expect(byTag.json.member).toMatchObject({ status: 'active', idTags: [rfid], label: 'Flat 2' });
    expect(byTag.json.invitation).toBeUndefined();
    rfidMemberId = byTag.json.member.memberId;

    const byEmail = await api('POST', '/groups/residents/members', { email: memberEmail });
    expect(byEmail.status, JSON.stringify(byEmail.json)).toBe(201);
    expect(byEmail.json.member).toMatchObject({ status: 'invited', email: memberEmail, idTags: [] });
    const expiresInMs = Date.parse(byEmail.json.invitation.expiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(expiresInMs).toBeLessThanOrEqual(7 * 24 * 3600_000);
    invitedId = byEmail.json.member.memberId;

    expect((await api('POST', '/groups/residents/members', { email: memberEmail })).json.error.code).toBe(
      'member_exists',
    );
    expect(
      (await api('POST', '/groups/residents/members', { idTags: [rfid.toLowerCase()] })).json.error.code,
    ).toBe('id_tag_taken');
    expect((await api('POST', '/groups/nobody/members', { email: memberEmail })).status).toBe(404);

    const first = await api('GET', '/groups/residents/members?limit=1');
    expect(first.json.items).toHaveLength(1);
    const second = await api('GET', `/groups/residents/members?limit=1&cursor=${first.json.nextCursor}`);
    expect(
      [...first.json.items, ...second.json.items].map((m: { memberId: string }) => m.memberId).sort(),
    ).toEqual([invitedId, rfidMemberId].sort());
    // The RFID member is admitted by the charger at once.
    expect(
      ((await client.call('Authorize', { idTag: rfid })) as { idTagInfo: { status: string } }).idTagInfo
        .status,
    ).toBe('Accepted');
  });

  it('follow the emailed link, once, to their member page with a cookie of its own', async () => {
    const mail = (await readInbox(sesUrl)).find((m) => m.destination.to.includes(memberEmail));
    expect(mail?.subject).toContain('Residents');
    const link = /(http\S+\/m\/accept\?token=[A-Za-z0-9_-]+)/.exec(mail?.body.text ?? '')?.[1];
    if (!link) throw new Error('no member invitation link in the inbox');
    // Showing the link's page spends nothing (mail scanners fetch links).
    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('Open my member page');
    expect((await fetch(link)).status).toBe(200);

    const token = new URL(link).searchParams.get('token') ?? '';
    const accepted = await form('/m/accept', { token });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/m');
    const setCookie = cookieOf(accepted) ?? '';
    expect(setCookie).toMatch(/^evc_member=[A-Za-z0-9_-]{43};/);
    for (const flag of ['Path=/m', 'HttpOnly', 'SameSite=Strict']) expect(setCookie).toContain(flag);
    // The test platform serves http://127.0.0.1: the one place Secure is left out.
    expect(setCookie).not.toContain('Secure');
    cookie = setCookie.split(';')[0] ?? '';

    // Single use: neither the page nor the form opens anything again.
    expect((await fetch(link)).status).toBe(404);
    expect((await form('/m/accept', { token })).status).toBe(404);
    // The operator's session cookie is another thing: this one opens no operator API.
    expect((await fetch(`${httpUrl}/api/v1/operator`, { headers: { cookie } })).status).toBe(401);

    const home = await page('/m', cookie);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Residents');
    expect(html).toContain(memberEmail);
    expect(html).toContain('No sessions yet');
    const listed = await api('GET', '/groups/residents/members');
    expect(listed.json.items.find((m: { memberId: string }) => m.memberId === invitedId)).toMatchObject({
      status: 'active',
      joinedAt: expect.any(String),
    });
  });

  it('start a session from the member page at a paid group charger, billed to them, and see it there', async () => {
    const startPage = await page(`/m/start/${chargerId}`, cookie);
    expect(startPage.status).toBe(200);
    const startHtml = await startPage.text();
    expect(startHtml).toContain('billed to you');
    // The public start page points members to their page.
    expect(await (await fetch(`${httpUrl}/c/${chargerId}`)).text()).toContain(`/m/start/${chargerId}`);

    // A form without the session's token is refused, and nothing is sent to the charger.
    expect((await form(`/m/start/${chargerId}`, { connectorId: '2' }, cookie)).status).toBe(403);
    expect(remoteStarts).toHaveLength(0);

    const started = await form(
      `/m/start/${chargerId}`,
      { connectorId: '2', csrf: csrfIn(startHtml) },
      cookie,
    );
    expect(started.status).toBe(303);
    expect(remoteStarts).toHaveLength(1);
    const { idTag } = remoteStarts[0] as { idTag: string; connectorId: number };
    expect(remoteStarts[0]?.connectorId).toBe(2);

    // The charger starts with the tag it was given: the access rule table admits it as the member's.
    const begun = (await client.call('StartTransaction', {
      connectorId: 2,
      idTag,
      meterStart: 0,
      timestamp: new Date(Date.now() - 3600_000).toISOString(),
    })) as { idTagInfo: { status: string }; transactionId: number };
    expect(begun.idTagInfo.status).toBe('Accepted');
    const tx = await transactions.get(chargerId, begun.transactionId);
    expect(tx?.billedTo).toMatchObject({ party: 'member', idTag });
    expect((tx?.tariffSnapshot as { id?: string } | undefined)?.id).toBe('group-price');
    await client.call('StopTransaction', {
      transactionId: begun.transactionId,
      meterStop: 7_000,
      timestamp: new Date().toISOString(),
    });

    // Priced by the table stream's recompute: the page shows it once the charge is in.
    let html = '';
    await expect
      .poll(
        async () => {
          html = await (await page('/m', cookie)).text();
          return html.includes('7.000 kWh');
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
    expect(html).toContain('Billed to you');
    expect(html).toContain(`${chargerId}, connector 2`);
    // 7 kWh at the group price (20,000 milli-minor a kWh before tax): £1.40 net.
    expect(html).toMatch(/Energy: £1\.\d\d/);
  });

  it('once removed, are refused: the member page, the account tag and the RFID tag', async () => {
    const accountTag = remoteStarts[0]?.idTag ?? '';
    const removed = await api('DELETE', `/groups/residents/members/${invitedId}`);
    expect(removed.status).toBe(200);
    expect(removed.json.member.memberId).toBe(invitedId);
    expect((await page('/m', cookie)).status).toBe(401);
    expect((await form(`/m/start/${chargerId}`, { connectorId: '1' }, cookie)).status).toBe(401);
    expect(
      ((await client.call('Authorize', { idTag: accountTag })) as { idTagInfo: { status: string } }).idTagInfo
        .status,
    ).toBe('Invalid');

    expect((await api('DELETE', `/groups/residents/members/${rfidMemberId}`)).status).toBe(200);
    expect(
      ((await client.call('Authorize', { idTag: rfid })) as { idTagInfo: { status: string } }).idTagInfo
        .status,
    ).toBe('Invalid');
    expect((await api('DELETE', `/groups/residents/members/${rfidMemberId}`)).status).toBe(404);
    expect((await api('GET', '/groups/residents/members')).json.items).toEqual([]);
  });
});
