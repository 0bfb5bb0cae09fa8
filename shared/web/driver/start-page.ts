/**
 * The start page, the target of a connector's QR code: who runs the charger, where it is, whether
 * it is online, each connector's state, the prices with tax, and, for a paid charger, what the card
 * hold means, then email, connector and card. Server-rendered in full, so it reads the same before
 * the script runs; the script (assets.ts, driver-start.js) only drives the payment.
 */
import type { AccessMode } from '../../domain/entities.js';
import { html, type Raw } from '../html.js';
import { type DriverBrand, driverShell } from './layout.js';

export interface StartPageConnector {
  connectorId: number;
  /** The connector's last OCPP status, when the charger reported one. */
  status?: string | undefined;
}

export type StartPageMode =
  /** Card payment: the hold, email, connector, card, Start. */
  | { kind: 'paid'; holdAmount: string; stripeJsUrl: string }
  /** A free charger: prices (if any) and "plug in". */
  | { kind: 'free' }
  /** A paid charger on a deployment with no card processor configured. */
  | { kind: 'payments-unavailable' }
  /** A paid charger whose operator has not started onboarding: nowhere to send the money yet. */
  | { kind: 'not-onboarded'; message: string }
  /** A charger for its owner's household, a group's members or a fleet's cards: no start here. */
  | { kind: 'closed'; accessMode: AccessMode };

/** Who a closed charger is for, in the driver's words (domain/access-rules.ts decides who that is). */
const CLOSED_TO: Record<AccessMode, string> = {
  private: "This is a private charger: only its owner's household can charge here.",
  group:
    'This charger is for members only. Members start it with their card at the charger, or from their member page.',
  fleet: "This charger is for the fleet's drivers only. Fleet drivers start it with their fleet card.",
  public: 'This charger cannot be started from this page.',
};

export interface StartPageInput {
  chargerId: string;
  brand: DriverBrand;
  brandCssUrl?: string | undefined;
  site?: { name: string; address?: string | undefined } | undefined;
  online: boolean;
  connectors: StartPageConnector[];
  /** From the QR code's `?connector=N`. */
  preselectedConnector?: number | undefined;
  prices: string[];
  mode: StartPageMode;
}

/** OCPP connector statuses in plain words, and whether a driver can start on it. */
const CONNECTOR_STATE: Record<string, { words: string; free: boolean }> = {
  Available: { words: 'Available', free: true },
  Preparing: { words: 'Plugged in, ready', free: true },
  Charging: { words: 'In use', free: false },
  SuspendedEV: { words: 'In use', free: false },
  SuspendedEVSE: { words: 'In use', free: false },
  Finishing: { words: 'Finishing a session', free: false },
  Reserved: { words: 'Reserved', free: false },
  Unavailable: { words: 'Unavailable', free: false },
  Faulted: { words: 'Out of order', free: false },
};

const stateOf = (status: string | undefined) =>
  status
    ? (CONNECTOR_STATE[status] ?? { words: status, free: true })
    : { words: 'Status not reported', free: true };

function connectorChoice(input: StartPageInput): Raw {
  const usable = input.connectors.filter((c) => stateOf(c.status).free);
  const preselected =
    input.connectors.find((c) => c.connectorId === input.preselectedConnector && stateOf(c.status).free)
      ?.connectorId ?? (usable.length === 1 ? usable[0]?.connectorId : undefined);
  return html`<fieldset class="connectors"><legend>Connector</legend>${input.connectors.map((c) => {
    const state = stateOf(c.status);
    const id = `connector-${c.connectorId}`;
    return html`<div class="choice"><input type="radio" name="connector" id="${id}" value="${c.connectorId}"${
      c.connectorId === preselected ? html` checked` : html``
    }${state.free ? html`` : html` disabled`} required><label for="${id}">Connector ${c.connectorId} <span class="state">${state.words}</span></label></div>`;
  })}</fieldset>`;
}

function paymentForm(input: StartPageInput, holdAmount: string): Raw {
  const disabled = !input.online;
  return html`<form id="start" class="card" data-charger="${input.chargerId}" novalidate>
<h2>Start charging</h2>
<p class="hold">We hold ${holdAmount} on your card. You pay only for what you use; the rest is released when you finish.</p>
${disabled ? html`<p class="notice" id="offline">This charger is offline, so it cannot start now. Please try again later or use another charger.</p>` : html``}
<fieldset id="details"${disabled ? html` disabled` : html``}>
${connectorChoice(input)}
<label for="email">Email for your receipts</label>
<input id="email" name="email" type="email" autocomplete="email" inputmode="email" required aria-describedby="email-help">
<p class="help" id="email-help">We send the receipt and the link to follow your session here.</p>
</fieldset>
<div id="card" hidden><h3 id="card-heading" tabindex="-1">Card</h3><div id="payment-element"></div></div>
<p id="message" class="message" role="alert"></p>
<button id="continue" type="submit"${disabled ? html` disabled` : html``}>Continue to card details</button>
<button id="start-charging" type="submit" hidden>Start charging</button>
</form>`;
}

export function startPage(input: StartPageInput): string {
  const place = input.site?.name ?? 'Charger';
  const prices = input.prices.length
    ? html`<ul class="prices">${input.prices.map((p) => html`<li>${p}</li>`)}</ul>`
    : html`<p>No charge for energy or time.</p>`;
  const connectorsList = input.connectors.length
    ? html`<ul class="connectors-state">${input.connectors.map(
        (c) => html`<li>Connector ${c.connectorId}: ${stateOf(c.status).words}</li>`,
      )}</ul>`
    : html``;
  const action =
    input.mode.kind === 'paid'
      ? paymentForm(input, input.mode.holdAmount)
      : input.mode.kind === 'closed'
        ? html`<section class="card"><h2>Not open to the public</h2><p>${CLOSED_TO[input.mode.accessMode]}</p>${
            // Members invited by email start from their member page (http/member-routes.ts).
            input.mode.accessMode === 'group'
              ? html`<p><a href="/m/start/${encodeURIComponent(input.chargerId)}">Member? Start from your member page</a></p>`
              : html``
          }</section>`
        : input.mode.kind === 'free'
          ? html`<section class="card"><h2>Free to use, plug in</h2><p>${
              input.online
                ? 'Plug in your car; charging starts by itself.'
                : 'This charger is offline, so it cannot start now. Please try again later.'
            }</p></section>`
          : input.mode.kind === 'not-onboarded'
            ? html`<section class="card" id="not-onboarded"><h2>Card payment not set up yet</h2><p>${input.mode.message}</p></section>`
            : html`<section class="card"><h2>Card payment unavailable</h2><p>This charger takes card payments, but they cannot be taken here right now. Please try again later.</p></section>`;
  return driverShell({
    title: `Charge at ${place}`,
    brand: input.brand,
    brandCssUrl: input.brandCssUrl,
    body: html`<section class="card"><h1>${place} · ${input.chargerId}</h1>
${input.site?.address ? html`<p class="muted">${input.site.address}</p>` : html``}
<p><span class="pill ${input.online ? 'online' : 'offline'}">${input.online ? 'Online' : 'Offline'}</span></p>
${connectorsList}</section>
<section class="card"><h2>Prices</h2>${prices}</section>
${action}`,
    scripts:
      input.mode.kind === 'paid' && input.online ? [input.mode.stripeJsUrl, '/assets/driver-start.js'] : [],
  });
}
