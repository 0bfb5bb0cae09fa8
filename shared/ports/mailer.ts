/**
 * Sending one email (receipts). The adapter is SES (aws-ses-v2-local on one machine); tests use the
 * in-memory fake. Failures come back as one {@link MailError} whose `retryable` tells an outbox
 * whether to try the same message again later (throttling, SES 5xx, network) or to stop and record
 * it (a bad address, a sender SES has not verified, a suspended account: trying again cannot help
 * until a person changes something).
 */

export interface OutgoingEmail {
  /** One recipient address. */
  to: string;
  /** Defaults to the adapter's configured sender (SENDER_EMAIL). Build display names with {@link mailbox}. */
  from?: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /**
   * Message tags for delivery events (SES EmailTags): names and values of ASCII letters, digits,
   * `_`, `-`, `.`, at most 256 characters each.
   */
  tags?: Record<string, string>;
  /** Files sent with the message (SES SendEmail `Simple.Attachments`), e.g. a detailed invoice's PDF. */
  attachments?: EmailAttachment[];
}

export interface EmailAttachment {
  /** One line, no path: what the recipient's mail client saves it as. */
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface SentEmail {
  /** The provider's message id (SES MessageId). */
  messageId: string;
}

export interface Mailer {
  /** Sends one email; rejects with a {@link MailError}. */
  send(email: OutgoingEmail): Promise<SentEmail>;
}

/**
 * Why a send failed. Retryable: THROTTLED (rate or quota), UNAVAILABLE (a 5xx), NETWORK (no answer).
 * Permanent: REJECTED (the message or an address refused), NOT_VERIFIED (sender identity or MAIL FROM
 * domain), ACCOUNT_BLOCKED (sending paused or account suspended), INVALID (the request itself).
 */
export type MailErrorCode =
  | 'THROTTLED'
  | 'UNAVAILABLE'
  | 'NETWORK'
  | 'REJECTED'
  | 'NOT_VERIFIED'
  | 'ACCOUNT_BLOCKED'
  | 'INVALID';

const RETRYABLE: ReadonlySet<MailErrorCode> = new Set(['THROTTLED', 'UNAVAILABLE', 'NETWORK']);

export class MailError extends Error {
  override readonly name = 'MailError';
  readonly code: MailErrorCode;
  /** True when sending the same message later may succeed. */
  readonly retryable: boolean;

  constructor(code: MailErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

export const isRetryableMailError = (error: unknown): boolean =>
  error instanceof MailError && error.retryable;

const TAG = /^[A-Za-z0-9_.-]{1,256}$/;
// Header fields: a CR or LF would let a value start a new header line.
const LINE_BREAK = /[\r\n]/;

/**
 * Checks what SES would refuse, before any call, so the fake refuses the same messages as the
 * adapter does. Throws MailError('INVALID').
 */
export function checkOutgoingEmail(email: OutgoingEmail): void {
  const fail = (message: string) => {
    throw new MailError('INVALID', message);
  };
  for (const [field, value] of [
    ['to', email.to],
    ['from', email.from],
    ['replyTo', email.replyTo],
    ['subject', email.subject],
  ] as const) {
    if (value !== undefined && LINE_BREAK.test(value)) fail(`${field} must be one line`);
  }
  if (!email.to.includes('@')) fail('to must be an email address');
  if (email.subject.trim() === '') fail('subject must not be empty');
  if (email.html === '' && email.text === '') fail('an email needs an html or a text body');
  for (const attachment of email.attachments ?? []) {
    if (
      LINE_BREAK.test(attachment.filename) ||
      /[\\/]/.test(attachment.filename) ||
      attachment.filename === ''
    ) {
      fail(`attachment ${JSON.stringify(attachment.filename)}: a file name is one line without a path`);
    }
  }
  for (const [name, value] of Object.entries(email.tags ?? {})) {
    if (!TAG.test(name) || !TAG.test(value)) {
      fail(`tag ${JSON.stringify(name)}: names and values may hold only ASCII letters, digits, _ - .`);
    }
  }
}

/**
 * A mailbox with a display name, `"The Crown" <receipts@example.com>`. A name with non-ASCII
 * characters is MIME encoded-word (RFC 2047), which SES requires in the From header.
 */
export function mailbox(displayName: string, address: string): string {
  const name = displayName.replace(/[\r\n]+/g, ' ').trim();
  if (name === '') return address;
  if (/^[\x20-\x7e]*$/.test(name)) {
    return `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`;
  }
  return `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?= <${address}>`;
}
