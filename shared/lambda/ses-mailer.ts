/**
 * The SES mailer of a composition root, built on the first send. The SES client is imported only
 * then, so a function that rarely or never sends (the HTTP API sends sign-in codes and invitations)
 * does not load it at cold start; lib/handlers.ts says which functions may send at all.
 */
import type { Mailer } from '../ports/mailer.js';
import type { Config } from './config.js';

export function sesMailerOnFirstSend(
  c: Pick<Config, 'AWS_REGION' | 'SES_ENDPOINT' | 'SENDER_EMAIL'>,
): Mailer {
  let mailer: Promise<Mailer> | undefined;
  return {
    async send(email) {
      mailer ??= Promise.all([import('../adapters/ses/client.js'), import('../adapters/ses/mailer.js')]).then(
        ([client, ses]) =>
          ses.createSesMailer({
            client: client.createSesClient({ region: c.AWS_REGION, endpoint: c.SES_ENDPOINT }),
            defaultFrom: c.SENDER_EMAIL,
          }),
      );
      return (await mailer).send(email);
    },
  };
}
