/**
 * What a handler works with: the store, the emulator clock, the account the request acts for
 * (Stripe-Account header), and `emit` to raise an Event. Events are stored at once (so they are
 * retrievable in the same response cycle) and delivered to webhooks after the response is sent.
 */
import type Stripe from 'stripe';
import { newId } from './ids.js';
import type { Scope, Store, WebhookDelivery } from './store.js';
import type { TaskTracker } from './tasks.js';
import type { WebhookDispatcher } from './webhook-delivery.js';

/** API version the emulator renders objects and events for (the one stripe@23.1.0 pins). */
export const API_VERSION = '2026-10-28.endive';

const MAX_STORED_EVENTS = 20_000;

export interface Clock {
  /** Epoch milliseconds. */
  ms(): number;
  /** Epoch seconds, as in Stripe's `created` fields. */
  s(): number;
  /**
   * Shifts emulator time from the base clock (test helper `POST /_emulator/clock`), so a test can
   * authorise a hold "days ago" and see the platform act on its `capture_before`.
   */
  setOffsetSeconds(seconds: number): void;
}

export interface Runtime {
  readonly store: Store;
  readonly clock: Clock;
  readonly tasks: TaskTracker;
  readonly dispatcher: WebhookDispatcher;
  readonly log: (line: string) => void;
  /** Something changed: persist soon. */
  readonly markDirty: () => void;
}

export interface RequestInfo {
  scope: Scope;
  /** Where this emulator is reachable, for URLs it hands out (onboarding, 3D Secure, dashboard). */
  baseUrl: string;
  requestId: string | null;
  idempotencyKey: string | null;
  /** Authenticated with the publishable key (Stripe.js): the handler checks `client_secret`. */
  publishable: boolean;
  /** The request may change state (anything but GET), so state is saved after it. */
  mutating: boolean;
}

export interface EmitOptions {
  /** Connected account the event belongs to; defaults to the request's Stripe-Account. */
  account?: Scope;
  previousAttributes?: Record<string, unknown>;
}

interface Pending {
  emitted: number;
  deliveries: string[];
  deferred: { task: (ctx: RequestContext) => void; info: RequestInfo }[];
}

export class RequestContext {
  private readonly pending: Pending;

  constructor(
    readonly runtime: Runtime,
    readonly info: RequestInfo,
    pending?: Pending,
  ) {
    this.pending = pending ?? { emitted: 0, deliveries: [], deferred: [] };
  }

  /** The same request acting for another account (e.g. a test helper touching a connected account's object). */
  forScope(scope: Scope): RequestContext {
    return new RequestContext(this.runtime, { ...this.info, scope }, this.pending);
  }

  get store(): Store {
    return this.runtime.store;
  }

  get scope(): Scope {
    return this.info.scope;
  }

  /** Emulator time, epoch seconds. */
  now(): number {
    return this.runtime.clock.s();
  }

  emit(type: Stripe.Event['type'], object: object, options: EmitOptions = {}): Stripe.Event {
    const account = options.account === undefined ? this.scope : options.account;
    const endpoints = [...this.store.webhookEndpoints.values()].filter(
      (endpoint) =>
        endpoint.status === 'enabled' &&
        this.store.webhookEndpoints.ownerOf(endpoint.id) === null &&
        isConnectEndpoint(endpoint) === (account !== null) &&
        (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type)),
    );
    const data: Record<string, unknown> = { object: structuredClone(object) };
    if (options.previousAttributes) data.previous_attributes = options.previousAttributes;
    // Stripe.Event is a union discriminated by `type`; the object is built generically.
    const event = {
      id: newId('evt'),
      object: 'event',
      ...(account ? { account } : {}),
      api_version: API_VERSION,
      created: this.now(),
      data,
      livemode: false,
      pending_webhooks: endpoints.length,
      request: { id: this.info.requestId, idempotency_key: this.info.idempotencyKey },
      type,
    } as unknown as Stripe.Event;
    this.store.events.insert(account, event);
    this.pending.emitted++;
    this.store.events.trim(MAX_STORED_EVENTS);
    for (const endpoint of endpoints) {
      const delivery: WebhookDelivery = {
        id: newId('whdel'),
        object: 'webhook_delivery',
        event: event.id,
        type,
        endpoint: endpoint.id,
        url: endpoint.url,
        status: 'pending',
        attempts: [],
      };
      this.store.deliveries.insert(null, delivery);
      this.store.deliveries.trim(MAX_STORED_EVENTS);
      this.pending.deliveries.push(delivery.id);
    }
    return event;
  }

  /** Run `task` after the response has been sent (e.g. a payout that is paid a moment later). */
  defer(task: (ctx: RequestContext) => void): void {
    this.pending.deferred.push({ task, info: this.info });
  }

  /** Called once the response is on the wire: start webhook deliveries, then deferred work. */
  finish(): void {
    for (const id of this.pending.deliveries.splice(0)) this.runtime.dispatcher.dispatch(id);
    for (const { task, info } of this.pending.deferred.splice(0)) {
      this.runtime.tasks.run(
        async () => {
          const ctx = new RequestContext(this.runtime, {
            ...info,
            requestId: null,
            idempotencyKey: null,
            mutating: true,
          });
          task(ctx);
          ctx.finish();
        },
        (error) => this.runtime.log(`deferred task failed: ${String(error)}`),
      );
    }
    if (this.info.mutating || this.pending.emitted > 0) this.runtime.markDirty();
  }
}

/** Stripe's `connect` flag is not on the WebhookEndpoint type but is on the wire object. */
export function isConnectEndpoint(endpoint: Stripe.WebhookEndpoint): boolean {
  return (endpoint as Stripe.WebhookEndpoint & { connect?: boolean }).connect === true;
}
