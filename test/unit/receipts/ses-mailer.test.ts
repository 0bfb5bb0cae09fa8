import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMailer } from '../../../shared/adapters/memory/mailer.js';
import { createSesClient } from '../../../shared/adapters/ses/client.js';
import { createSesMailer } from '../../../shared/adapters/ses/mailer.js';
import {
  isRetryableMailError,
  MailError,
  type MailErrorCode,
  mailbox,
  type OutgoingEmail,
} from '../../../shared/ports/mailer.js';

const ses = mockClient(SESv2Client);
afterEach(() => ses.reset());

const mailer = () =>
  createSesMailer({
    client: createSesClient({ region: 'eu-west-2' }),
    defaultFrom: 'receipts@platform.example',
    configurationSetName: 'receipts',
  });

const email: OutgoingEmail = {
  to: 'driver@example.com',
  replyTo: 'help@thecrown.example',
  subject: 'Charging at The Crown: £20.00 held',
  html: '<p>We hold £20.00 — café</p>',
  text: 'We hold £20.00 — café',
  tags: { kind: 'pre-auth', operator: 'op-1' },
};

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('SES mailer: the request', () => {
  it('sends simple content, HTML and text in UTF-8, to one recipient, with tags', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-0001' });
    expect(await mailer().send(email)).toEqual({ messageId: 'ses-0001' });
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      FromEmailAddress: 'receipts@platform.example',
      Destination: { ToAddresses: ['driver@example.com'] },
      ReplyToAddresses: ['help@thecrown.example'],
      Content: {
        Simple: {
          Subject: { Data: 'Charging at The Crown: £20.00 held', Charset: 'UTF-8' },
          Body: {
            Html: { Data: '<p>We hold £20.00 — café</p>', Charset: 'UTF-8' },
            Text: { Data: 'We hold £20.00 — café', Charset: 'UTF-8' },
          },
        },
      },
      EmailTags: [
        { Name: 'kind', Value: 'pre-auth' },
        { Name: 'operator', Value: 'op-1' },
      ],
      ConfigurationSetName: 'receipts',
    });
  });

  it("uses the message's own sender when it names one, and leaves out what is not set", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-0002' });
    const from = mailbox('The Crown', 'receipts@platform.example');
    await createSesMailer({
      client: createSesClient({ region: 'eu-west-2' }),
      defaultFrom: 'x@platform.example',
    }).send({ to: 'driver@example.com', from, subject: 's', html: '<p>h</p>', text: 't' });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.FromEmailAddress).toBe('"The Crown" <receipts@platform.example>');
    expect(input).not.toHaveProperty('ReplyToAddresses');
    expect(input).not.toHaveProperty('EmailTags');
    expect(input).not.toHaveProperty('ConfigurationSetName');
  });

  it.each([
    ['a tag with a space', { tags: { kind: 'pre auth' } }],
    ['a subject with a line break', { subject: 'Hello\r\nBcc: x@example.com' }],
    ['a recipient that is not an address', { to: 'nobody' }],
  ])('refuses %s before calling SES', async (_name, overrides) => {
    const error = await mailer()
      .send({ ...email, ...overrides })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailError);
    expect((error as MailError).code).toBe('INVALID');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});

describe('SES mailer: errors, retryable or permanent', () => {
  it.each<[string, unknown, MailErrorCode, boolean]>([
    [
      'throttling (429)',
      new TooManyRequestsException({ message: 'slow down', ...meta(429) }),
      'THROTTLED',
      true,
    ],
    [
      'a sending quota',
      new LimitExceededException({ message: 'daily quota', ...meta(400) }),
      'THROTTLED',
      true,
    ],
    [
      'a 5xx',
      new SESv2ServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'down',
        ...meta(503),
      }),
      'UNAVAILABLE',
      true,
    ],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8005'), {
        code: 'ECONNREFUSED',
        $metadata: {},
      }),
      'NETWORK',
      true,
    ],
    [
      'an unverified address (sandbox)',
      new MessageRejected({
        message:
          'Email address is not verified. The following identities failed the check: driver@example.com',
        ...meta(400),
      }),
      'NOT_VERIFIED',
      false,
    ],
    [
      'an unverified MAIL FROM domain',
      new MailFromDomainNotVerifiedException({ message: 'not verified', ...meta(400) }),
      'NOT_VERIFIED',
      false,
    ],
    [
      'a rejected message',
      new MessageRejected({ message: 'Illegal address', ...meta(400) }),
      'REJECTED',
      false,
    ],
    [
      'a bad request',
      new BadRequestException({ message: 'Missing final @domain', ...meta(400) }),
      'INVALID',
      false,
    ],
    [
      'a suspended account',
      new AccountSuspendedException({ message: 'suspended', ...meta(400) }),
      'ACCOUNT_BLOCKED',
      false,
    ],
    [
      'paused sending',
      new SendingPausedException({ message: 'paused', ...meta(400) }),
      'ACCOUNT_BLOCKED',
      false,
    ],
    [
      'an unknown 4xx',
      new SESv2ServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'no',
        ...meta(403),
      }),
      'REJECTED',
      false,
    ],
  ])('%s → %s', async (_name, thrown, code, retryable) => {
    ses.on(SendEmailCommand).rejects(thrown as Error);
    const error = await mailer()
      .send(email)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailError);
    expect((error as MailError).code).toBe(code);
    expect((error as MailError).retryable).toBe(retryable);
    expect(isRetryableMailError(error)).toBe(retryable);
    expect((error as MailError).cause).toBe(thrown);
  });
});

describe('mailbox', () => {
  it.each([
    ['The Crown', '"The Crown" <r@x.example>'],
    ['Bob "the" Bar', '"Bob \\"the\\" Bar" <r@x.example>'],
    ['Café Noël', '=?UTF-8?B?Q2Fmw6kgTm/Dq2w=?= <r@x.example>'],
    ['', 'r@x.example'],
  ])('%s', (name, expected) => {
    expect(mailbox(name, 'r@x.example')).toBe(expected);
  });
});

describe('MemoryMailer', () => {
  it('records what was sent, with the default sender, and numbers the ids', async () => {
    const memory = new MemoryMailer('receipts@platform.example');
    expect(await memory.send(email)).toEqual({ messageId: 'memory-1' });
    expect(await memory.send({ ...email, to: 'other@example.com' })).toEqual({ messageId: 'memory-2' });
    expect(memory.sentTo('driver@example.com')).toEqual([
      { ...email, from: 'receipts@platform.example', messageId: 'memory-1' },
    ]);
    expect(memory.sent).toHaveLength(2);
  });

  it('fails the next sends as told, then works again; refuses what SES would refuse', async () => {
    const memory = new MemoryMailer();
    memory.failNext('THROTTLED', 2);
    for (let i = 0; i < 2; i += 1) {
      const error = await memory.send(email).catch((e: unknown) => e);
      expect(isRetryableMailError(error)).toBe(true);
    }
    expect(await memory.send(email)).toEqual({ messageId: 'memory-1' });
    await expect(memory.send({ ...email, tags: { 'bad tag': 'x' } })).rejects.toMatchObject({
      code: 'INVALID',
    });
    expect(memory.sent).toHaveLength(1);
  });
});
