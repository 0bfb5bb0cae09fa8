/** The SES v2 client, built once per container; points at aws-ses-v2-local when configured (SES_ENDPOINT). */
import { SESv2Client } from '@aws-sdk/client-sesv2';

export interface SesSettings {
  region: string;
  /** Local SES (aws-ses-v2-local) base URL; absent in AWS. */
  endpoint?: string | undefined;
}

export function createSesClient(settings: SesSettings): SESv2Client {
  return new SESv2Client({
    region: settings.region,
    ...(settings.endpoint
      ? { endpoint: settings.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}
