import { describe, expect, it } from 'vitest';
import { readAuthorizerContext } from '../../../shared/adapters/apigw/websocket-events.js';

const contextWith = (authorizer: Record<string, unknown>) =>
  readAuthorizerContext({
    routeKey: '$default',
    eventType: 'MESSAGE',
    connectionId: 'c-1',
    domainName: 'x.execute-api.eu-west-2.amazonaws.com',
    stage: 'ocpp',
    requestId: 'r-1',
    authorizer: { chargerId: 'CP-1', operatorId: 'op-1', ...authorizer },
  });

describe("the authorizer's connector count, as every route reads it", () => {
  it('reads a number, and a numeric string (API Gateway may hand context values back as strings)', () => {
    expect(contextWith({ connectorCount: 2 })?.connectorCount).toBe(2);
    expect(contextWith({ connectorCount: '3' })?.connectorCount).toBe(3);
  });

  it('reads 0 as "the operator set none", which is not the same as not said', () => {
    expect(contextWith({ connectorCount: 0 })?.connectorCount).toBeNull();
    expect(contextWith({ connectorCount: '0' })?.connectorCount).toBeNull();
    expect(contextWith({})).not.toHaveProperty('connectorCount');
  });

  it('ignores anything else, so the message falls back to reading the charger', () => {
    for (const bad of [-1, 1.5, '2x', '', true, null]) {
      expect(contextWith({ connectorCount: bad })).not.toHaveProperty('connectorCount');
    }
  });
});
