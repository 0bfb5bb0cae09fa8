/** Stripe delivers webhooks at least once; the store remembers each event id. */
export interface StripeEventRecord {
  eventId: string;
  type: string;
  /** Connected account the event is about, for Connect events. */
  account?: string;
  objectId?: string;
  created: number;
  receivedAt: string;
}

export interface StripeEventStore {
  /** Whether this event id was recorded (handled) before. */
  seen(eventId: string): Promise<boolean>;
  /** 'recorded' the first time an event id is seen, 'duplicate' after. */
  recordOnce(event: StripeEventRecord): Promise<'recorded' | 'duplicate'>;
}
