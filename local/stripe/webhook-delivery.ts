/**
 * Delivers events to webhook endpoints the way Stripe does: an HTTP POST of the event JSON with a
 * `Stripe-Signature` header, any 2xx counts as delivered, anything else (or no answer) is retried with
 * backoff. Deliveries run in the background, never inside the API request that caused the event.
 */
import http from 'node:http';
import https from 'node:https';
import { signatureHeader } from './signature.js';
import type { DeliveryAttempt, Store, WebhookDelivery } from './store.js';
import { sleep, type TaskTracker } from './tasks.js';

export interface DeliveryOptions {
  /** Delay before each retry; the number of entries is the number of retries. */
  retryDelaysMs: readonly number[];
  timeoutMs: number;
}

export class WebhookDispatcher {
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskTracker,
    private readonly options: DeliveryOptions,
    private readonly log: (line: string) => void,
    private readonly onChange: () => void,
  ) {}

  dispatch(deliveryId: string): void {
    this.tasks.run(
      () => this.deliver(deliveryId),
      (error) => this.log(`webhook delivery ${deliveryId} crashed: ${String(error)}`),
    );
  }

  /** Picks up deliveries left pending by a previous run (persisted state). */
  resumePending(): void {
    for (const delivery of this.store.deliveries.values()) {
      if (delivery.status === 'pending') this.dispatch(delivery.id);
    }
  }

  private async deliver(deliveryId: string): Promise<void> {
    for (;;) {
      const delivery = this.store.deliveries.find(deliveryId);
      if (delivery?.status !== 'pending') return;
      const event = this.store.events.find(delivery.event);
      const secret = this.store.webhookSecrets.get(delivery.endpoint);
      const endpoint = this.store.webhookEndpoints.find(delivery.endpoint);
      if (!event || !secret || !endpoint || endpoint.status !== 'enabled') {
        this.finish(delivery, 'failed');
        return;
      }
      const payload = JSON.stringify(event, null, 2);
      const attempt = await this.attempt(delivery, payload, secret);
      // Cut short by stop(): not an attempt; the delivery stays pending and resumes on the next start.
      if (this.tasks.signal.aborted) return;
      delivery.attempts.push(attempt);
      const ok = attempt.status_code !== null && attempt.status_code >= 200 && attempt.status_code < 300;
      this.log(
        `webhook ${event.type} ${event.id} → ${delivery.url} attempt ${attempt.attempt}: ${attempt.status_code ?? attempt.error}`,
      );
      if (ok) {
        event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
        this.finish(delivery, 'succeeded');
        return;
      }
      const delay = this.options.retryDelaysMs[delivery.attempts.length - 1];
      if (delay === undefined) {
        this.finish(delivery, 'failed');
        return;
      }
      this.onChange();
      try {
        await sleep(delay, this.tasks.signal);
      } catch {
        return; // emulator stopping: the delivery stays pending and resumes on the next start
      }
    }
  }

  private finish(delivery: WebhookDelivery, status: 'succeeded' | 'failed'): void {
    delivery.status = status;
    this.onChange();
  }

  private attempt(delivery: WebhookDelivery, payload: string, secret: string): Promise<DeliveryAttempt> {
    const started = Date.now();
    // Signed with the wall clock, not the emulator clock: receivers check `t` against their own clock.
    const signature = signatureHeader(payload, secret, Math.floor(started / 1000));
    const base = { attempt: delivery.attempts.length + 1, at: Math.floor(started / 1000) };
    return new Promise((resolve) => {
      const done = (status_code: number | null, error: string | null) =>
        resolve({ ...base, status_code, error, duration_ms: Date.now() - started });
      let url: URL;
      try {
        url = new URL(delivery.url);
      } catch {
        done(null, 'invalid url');
        return;
      }
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(
        url,
        {
          method: 'POST',
          agent: false,
          timeout: this.options.timeoutMs,
          signal: this.tasks.signal,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'Stripe-Signature': signature,
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            Accept: '*/*; q=0.5, application/xml',
            'Cache-Control': 'no-cache',
            Connection: 'close',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => done(response.statusCode ?? null, null));
          response.on('error', (error) => done(null, error.message));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)));
      request.on('error', (error) => done(null, error.message));
      request.end(payload);
    });
  }
}
