/**
 * ChargerGateway over API Gateway's `@connections` management API (PostToConnection). In AWS the
 * endpoint is `https://{domainName}/{stage}` of the connection; locally (and when configured) one
 * fixed endpoint serves every connection (the embedded gateway emulator speaks the same API).
 *
 * The SDK client is imported with the first frame sent or connection closed, not with this module:
 * most functions that hold the gateway (the authorizer, $connect, the streams) send nothing on most
 * invocations, and its client, commands and endpoint rules were part of every one of their cold
 * starts (npm run bench:cold).
 */
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ChargerGateway } from '../../ports/charger-calls.js';

type Sdk = typeof import('@aws-sdk/client-apigatewaymanagementapi');
const loadSdk = (): Promise<Sdk> => import('@aws-sdk/client-apigatewaymanagementapi');

export interface ConnectionsGatewaySettings {
  region: string;
  /** Overrides the per-connection endpoint (CONNECTIONS_ENDPOINT). */
  endpoint?: string | undefined;
}

const isGone = (sdk: Sdk, err: unknown): boolean =>
  err instanceof sdk.GoneException || (err as { name?: string }).name === 'GoneException';

export class ApiGatewayChargerGateway implements ChargerGateway {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();

  constructor(private readonly settings: ConnectionsGatewaySettings) {}

  private client(sdk: Sdk, endpoint: string): ApiGatewayManagementApiClient {
    let c = this.clients.get(endpoint);
    if (!c) {
      const local = this.settings.endpoint !== undefined;
      c = new sdk.ApiGatewayManagementApiClient({
        region: this.settings.region,
        endpoint,
        ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      });
      this.clients.set(endpoint, c);
    }
    return c;
  }

  async send(
    target: { connectionId: string; domainName: string; stage: string },
    data: string,
  ): Promise<'sent' | 'gone'> {
    const endpoint = this.settings.endpoint ?? `https://${target.domainName}/${target.stage}`;
    const sdk = await loadSdk();
    try {
      await this.client(sdk, endpoint).send(
        new sdk.PostToConnectionCommand({
          ConnectionId: target.connectionId,
          Data: new TextEncoder().encode(data),
        }),
      );
      return 'sent';
    } catch (err) {
      if (isGone(sdk, err)) return 'gone';
      throw err;
    }
  }

  async disconnect(target: {
    connectionId: string;
    domainName: string;
    stage: string;
  }): Promise<'closed' | 'gone'> {
    const endpoint = this.settings.endpoint ?? `https://${target.domainName}/${target.stage}`;
    const sdk = await loadSdk();
    try {
      await this.client(sdk, endpoint).send(
        new sdk.DeleteConnectionCommand({ ConnectionId: target.connectionId }),
      );
      return 'closed';
    } catch (err) {
      if (isGone(sdk, err)) return 'gone';
      throw err;
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
