import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiGatewayChargerGateway } from '../../../shared/adapters/apigw/connections-gateway.js';

const api = mockClient(ApiGatewayManagementApiClient);
const target = { connectionId: 'abc=', domainName: 'x.execute-api.eu-west-2.amazonaws.com', stage: 'prod' };

afterEach(() => api.reset());

describe('ApiGatewayChargerGateway', () => {
  it('posts the frame as UTF-8 bytes to the connection', async () => {
    api.on(PostToConnectionCommand).resolves({});
    const gateway = new ApiGatewayChargerGateway({ region: 'eu-west-2' });
    expect(await gateway.send(target, '[2,"id","Reset",{"type":"Soft"}]')).toBe('sent');
    const input = api.commandCalls(PostToConnectionCommand)[0]?.args[0].input;
    expect(input?.ConnectionId).toBe('abc=');
    expect(new TextDecoder().decode(input?.Data as Uint8Array)).toBe('[2,"id","Reset",{"type":"Soft"}]');
  });

  it('reports a gone connection', async () => {
    api.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    expect(await new ApiGatewayChargerGateway({ region: 'eu-west-2' }).send(target, '[]')).toBe('gone');
  });

  it('rethrows anything else', async () => {
    api.on(PostToConnectionCommand).rejects(new Error('throttled'));
    await expect(new ApiGatewayChargerGateway({ region: 'eu-west-2' }).send(target, '[]')).rejects.toThrow(
      'throttled',
    );
  });
});
