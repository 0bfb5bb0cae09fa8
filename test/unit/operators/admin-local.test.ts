import { describe, expect, it } from 'vitest';
import { LOCAL_DYNAMODB_PORT, LOCAL_STRIPE_PORT, LOCAL_TABLE } from '../../../bin/admin-local.js';
import { DEFAULT_PORTS, LOCAL_TABLE_NAME } from '../../../local/platform.js';

describe("the admin CLI's default target", () => {
  it('is the DynamoDB Local and the table that `npm start` uses', () => {
    expect(LOCAL_DYNAMODB_PORT).toBe(DEFAULT_PORTS.dynamodb);
    expect(LOCAL_TABLE).toBe(LOCAL_TABLE_NAME);
    expect(LOCAL_STRIPE_PORT).toBe(DEFAULT_PORTS.stripe);
  });
});
