/**
 * In-memory Mailer for use-case tests: records what was sent, refuses what SES would refuse (the
 * same pre-checks as the SES adapter), and can be told to fail the next sends so retry paths can be
 * tested without module mocking.
 */
import {
  checkOutgoingEmail,
  MailError,
  type MailErrorCode,
  type Mailer,
  type OutgoingEmail,
  type SentEmail,
} from '../../ports/mailer.js';

export interface RecordedEmail extends OutgoingEmail {
  /** The sender actually used (the message's own, or the default). */
  from: string;
  messageId: string;
}

export class MemoryMailer implements Mailer {
  readonly sent: RecordedEmail[] = [];
  private readonly failures: MailError[] = [];
  private counter = 0;

  constructor(private readonly defaultFrom = 'receipts@example.com') {}

  async send(email: OutgoingEmail): Promise<SentEmail> {
    checkOutgoingEmail(email);
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.counter += 1;
    const messageId = `memory-${this.counter}`;
    this.sent.push({ ...email, from: email.from ?? this.defaultFrom, messageId });
    return { messageId };
  }

  /** The next `times` sends fail with `code` (e.g. 'THROTTLED' to exercise a retry), then sends work again. */
  failNext(code: MailErrorCode, times = 1): void {
    for (let i = 0; i < times; i += 1) {
      this.failures.push(new MailError(code, `memory mailer: injected ${code}`));
    }
  }

  /** Mail sent to one address, oldest first. */
  sentTo(address: string): RecordedEmail[] {
    return this.sent.filter((m) => m.to === address);
  }
}
