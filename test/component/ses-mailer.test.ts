/**
 * The SES adapter against aws-ses-v2-local (the real SES v2 API, started in-process on a free port
 * as the embedded runtime does): a rendered receipt goes out through the SDK and is read back from
 * the inbox with GET /store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInbox, type SesLocal, startSesLocal } from '../../local/ses-local.js';
import { createSesClient } from '../../shared/adapters/ses/client.js';
import { createSesMailer } from '../../shared/adapters/ses/mailer.js';
import { MailError, mailbox } from '../../shared/ports/mailer.js';
import { preAuthEmail, transactionEmail } from '../../shared/web/receipts/index.js';
import { aPreAuthInput, aTransactionInput } from '../fixtures/receipts/samples.js';

let ses: SesLocal;

beforeAll(async () => {
  ses = await startSesLocal({ port: 0 });
});
afterAll(async () => {
  await ses?.stop();
});

const mailerFor = (endpoint: string) =>
  createSesMailer({
    client: createSesClient({ region: 'eu-west-2', endpoint }),
    defaultFrom: 'receipts@ev-platform.local',
  });

describe('SES mailer through aws-ses-v2-local', () => {
  it('delivers a pre-auth receipt: subject, HTML and text arrive as rendered', async () => {
    const receipt = preAuthEmail(aPreAuthInput());
    const sent = await mailerFor(ses.url).send({
      to: 'driver-1@example.com',
      from: mailbox('The Crown', 'receipts@ev-platform.local'),
      replyTo: 'help@thecrown.example',
      ...receipt,
      tags: { kind: 'pre-auth' },
    });
    expect(sent.messageId).toMatch(/\S/);

    const inbox = await readInbox(ses.url);
    const mail = inbox.find((m) => m.messageId === sent.messageId);
    expect(mail?.destination.to).toEqual(['driver-1@example.com']);
    expect(mail?.from).toBe('"The Crown" <receipts@ev-platform.local>');
    expect(mail?.subject).toBe('Charging at The Crown, car park: £30.00 held');
    expect(mail?.body.html).toBe(receipt.html);
    expect(mail?.body.text).toBe(receipt.text);
    expect(mail?.body.text).toContain('https://charge.example.com/t/3q2-7XbVt0Lr9mZkQ1wYcA');
  });

  it('delivers a transaction receipt with its non-ASCII figures intact', async () => {
    const receipt = transactionEmail(aTransactionInput());
    const sent = await mailerFor(ses.url).send({ to: 'driver-2@example.com', ...receipt });
    const mail = (await readInbox(ses.url)).find((m) => m.messageId === sent.messageId);
    expect(mail?.from).toBe('receipts@ev-platform.local');
    expect(mail?.subject).toBe('Your charging receipt: £12.34');
    expect(mail?.body.text).toContain('Refund (released to your card): £17.66');
    expect(mail?.body.html).toBe(receipt.html);
  });

  it('sends a file attached (a detailed invoice PDF), its bytes intact', async () => {
    const pdf = Buffer.from('%PDF-1.3\n% an invoice\n', 'latin1');
    const sent = await mailerFor(ses.url).send({
      to: 'operator@example.com',
      subject: 'Detailed invoice INV-000001',
      html: '<p>Attached.</p>',
      text: 'Attached.',
      attachments: [{ filename: 'INV-000001.pdf', contentType: 'application/pdf', content: pdf }],
    });
    const store = (await (await fetch(`${ses.url}/store`)).json()) as {
      emails: {
        messageId: string;
        attachments?: { filename: string; contentType: string; content: string }[];
      }[];
    };
    const mail = store.emails.find((m) => m.messageId === sent.messageId);
    expect(mail?.attachments?.map((a) => [a.filename, a.contentType])).toEqual([
      ['INV-000001.pdf', 'application/pdf'],
    ]);
    expect(Buffer.from(mail?.attachments?.[0]?.content ?? '', 'base64').equals(pdf)).toBe(true);
  });

  it('refuses an attachment name with a path before calling SES', async () => {
    const error = await mailerFor(ses.url)
      .send({
        to: 'operator@example.com',
        subject: 'x',
        html: '<p>x</p>',
        text: 'x',
        attachments: [
          { filename: '../invoice.pdf', contentType: 'application/pdf', content: new Uint8Array(1) },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailError);
    expect((error as MailError).code).toBe('INVALID');
  });

  it('reports an SES that does not answer as a retryable network failure', async () => {
    const gone = await startSesLocal({ port: 0 });
    await gone.stop();
    const error = await mailerFor(gone.url)
      .send({ to: 'driver-3@example.com', ...preAuthEmail(aPreAuthInput()) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailError);
    expect((error as MailError).code).toBe('NETWORK');
    expect((error as MailError).retryable).toBe(true);
  });
});
