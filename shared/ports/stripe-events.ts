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
  /** 'recorded' the first time an event id is seen, 'duplicate' after. */
  recordOnce(event: StripeEventRecord): Promise<'recorded' | 'duplicate'>;
}
