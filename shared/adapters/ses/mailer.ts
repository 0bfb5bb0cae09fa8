/**
 * The Mailer port over SES v2 `SendEmail` (simple content: subject, HTML and text, all UTF-8).
 * The same code reaches SES in AWS and aws-ses-v2-local on one machine; only the client's endpoint
 * differs (see ./client.ts).
 *
 * Error mapping: the SDK already retries throttling and 5xx a few times (its standard retry mode);
 * what still fails here becomes a MailError whose `retryable` tells the outbox whether to try again
 * later. Decided on the HTTP status first (5xx, 429), then on SES's exception names, and an error
 * with no HTTP response at all (refused connection, reset, timeout) is a network failure.
 */
import { type SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import {
  checkOutgoingEmail,
  MailError,
  type MailErrorCode,
  type Mailer,
  type OutgoingEmail,
  type SentEmail,
} from '../../ports/mailer.js';

export interface SesMailerSettings {
  client: SESv2Client;
  /** Sender used when a message names none (SENDER_EMAIL): an SES-verified identity. */
  defaultFrom: string;
  /** SES configuration set for delivery, bounce and complaint events, when there is one. */
  configurationSetName?: string | undefined;
}

const BY_NAME: Record<string, MailErrorCode> = {
  TooManyRequestsException: 'THROTTLED',
  LimitExceededException: 'THROTTLED',
  ThrottlingException: 'THROTTLED',
  Throttling: 'THROTTLED',
  InternalServiceErrorException: 'UNAVAILABLE',
  ServiceUnavailable: 'UNAVAILABLE',
  MailFromDomainNotVerifiedException: 'NOT_VERIFIED',
  AccountSuspendedException: 'ACCOUNT_BLOCKED',
  SendingPausedException: 'ACCOUNT_BLOCKED',
  MessageRejected: 'REJECTED',
  BadRequestException: 'INVALID',
  NotFoundException: 'INVALID',
};

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Maps whatever the SDK threw to a MailError (exported for tests and for other SES callers). */
export function toMailError(error: unknown): MailError {
  if (error instanceof MailError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = e.$metadata?.httpStatusCode;
  const code = ((): MailErrorCode => {
    if (status !== undefined && status >= 500) return 'UNAVAILABLE';
    if (status === 429) return 'THROTTLED';
    // Sandbox accounts answer an unverified sender or recipient with MessageRejected.
    if (name === 'MessageRejected' && /not verified/i.test(message)) return 'NOT_VERIFIED';
    const known = BY_NAME[name];
    if (known) return known;
    if (status === undefined) return 'NETWORK';
    return 'REJECTED';
  })();
  return new MailError(code, `SES ${name}: ${message}`, { cause: error });
}

/** The SendEmail request for one message (pure; exported so tests can read what goes to SES). */
export function sendEmailRequest(
  email: OutgoingEmail,
  settings: Pick<SesMailerSettings, 'defaultFrom' | 'configurationSetName'>,
): SendEmailCommandInput {
  const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
  const tags = Object.entries(email.tags ?? {}).map(([Name, Value]) => ({ Name, Value }));
  return {
    FromEmailAddress: email.from ?? settings.defaultFrom,
    Destination: { ToAddresses: [email.to] },
    ...(email.replyTo ? { ReplyToAddresses: [email.replyTo] } : {}),
    Content: {
      Simple: {
        Subject: utf8(email.subject),
        Body: { Html: utf8(email.html), Text: utf8(email.text) },
        ...(email.attachments?.length
          ? {
              Attachments: email.attachments.map((a) => ({
                FileName: a.filename,
                ContentType: a.contentType,
                ContentDisposition: 'ATTACHMENT' as const,
                RawContent: a.content,
              })),
            }
          : {}),
      },
    },
    ...(tags.length > 0 ? { EmailTags: tags } : {}),
    ...(settings.configurationSetName ? { ConfigurationSetName: settings.configurationSetName } : {}),
  };
}

export function createSesMailer(settings: SesMailerSettings): Mailer {
  return {
    async send(email: OutgoingEmail): Promise<SentEmail> {
      checkOutgoingEmail(email);
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await settings.client.send(
          new SendEmailCommand(sendEmailRequest(email, settings)),
        ));
      } catch (error) {
        throw toMailError(error);
      }
      // SES always returns an id on success; without one the outbox could not record the send.
      if (!messageId)
        throw new MailError('UNAVAILABLE', 'SES accepted the message but returned no MessageId');
      return { messageId };
    },
  };
}
