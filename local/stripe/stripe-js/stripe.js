/*
 * The Stripe.js subset the driver's start page uses, served by the emulator at GET /v3/ so the page's
 * own code is the same locally and in AWS (where it loads https://js.stripe.com/v3/):
 *   Stripe(pk) · stripe.elements({ clientSecret }) · elements.create('payment') · element.mount(sel)
 *   · element.on('change'|'ready', cb) · stripe.confirmPayment({ elements, confirmParams, redirect }).
 * As on Stripe, the card is typed into a frame served by the emulator's origin and posted from there;
 * this script only relays messages and never sees the card. Every origin it talks to is the origin it
 * was loaded from, so a page's CSP names that one origin.
 */
(() => {
  const script = document.currentScript;
  const ORIGIN = new URL(script ? script.src : '/', location.href).origin;
  const MESSAGE_SOURCE = 'stripe-emulator';

  function integrationError(message) {
    const error = new Error(message);
    error.name = 'IntegrationError';
    return error;
  }

  function intentIdOf(clientSecret) {
    return clientSecret.split('_secret_')[0];
  }

  /** Requests from the page carry the key as a parameter, as Stripe.js does, so no preflight is needed. */
  async function retrieveIntent(key, clientSecret) {
    const query = new URLSearchParams({ key, client_secret: clientSecret });
    const response = await fetch(
      `${ORIGIN}/v1/payment_intents/${encodeURIComponent(intentIdOf(clientSecret))}?${query}`,
    );
    const body = await response.json();
    return response.ok ? { paymentIntent: body } : { error: body.error };
  }

  /** The intent after a failed attempt becomes the error Stripe.js resolves with. */
  function outcomeOf(paymentIntent) {
    if (paymentIntent.status === 'requires_payment_method' && paymentIntent.last_payment_error) {
      return { error: { ...paymentIntent.last_payment_error, payment_intent: paymentIntent } };
    }
    return { paymentIntent };
  }

  /** Shows the 3D Secure challenge from the emulator in a modal frame; resolves when it is answered. */
  function challenge(url) {
    return new Promise((resolve) => {
      const overlay = document.createElement('div');
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.setAttribute('aria-label', '3D Secure authentication');
      overlay.style.cssText =
        'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center';
      const frame = document.createElement('iframe');
      frame.name = 'stripe-emulator-challenge';
      frame.title = '3D Secure authentication';
      frame.src = url;
      frame.style.cssText =
        'width:min(32rem,95vw);height:min(34rem,90vh);border:0;border-radius:8px;background:#fff';
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
      frame.focus();
      function onMessage(event) {
        if (event.source !== frame.contentWindow || event.origin !== ORIGIN) return;
        if (event.data?.type !== 'stripe-emulator-3ds-complete') return;
        window.removeEventListener('message', onMessage);
        overlay.remove();
        resolve();
      }
      window.addEventListener('message', onMessage);
    });
  }

  function createPaymentElement(stripe, elements, options) {
    const handlers = { change: [], ready: [], focus: [], blur: [] };
    const pending = new Map();
    let frame = null;
    let nextId = 1;

    function onMessage(event) {
      if (!frame || event.source !== frame.contentWindow || event.origin !== ORIGIN) return;
      const data = event.data;
      if (!data || data.source !== MESSAGE_SOURCE) return;
      if (data.type === 'resize') {
        // A height of nothing would hide the card fields; keep the frame's own until a real one comes.
        if (Number.isFinite(data.height) && data.height > 0) frame.style.height = `${data.height}px`;
      } else if (data.type === 'confirm-result') {
        const resolve = pending.get(data.id);
        pending.delete(data.id);
        if (resolve) resolve(data.result);
      } else if (handlers[data.type]) {
        const payload = { elementType: 'payment', ...data.payload };
        for (const cb of handlers[data.type]) cb(payload);
      }
    }

    const element = {
      mount(target) {
        const host = typeof target === 'string' ? document.querySelector(target) : target;
        if (!host)
          throw integrationError(`The selector you specified (${target}) applies to no DOM elements.`);
        if (frame) throw integrationError('This Element is already mounted.');
        const config = {
          key: stripe._key,
          parentOrigin: location.origin,
          appearance: elements._appearance,
          options: options || {},
        };
        frame = document.createElement('iframe');
        frame.name = 'stripe-emulator-payment';
        frame.title = 'Secure payment input frame';
        frame.src = `${ORIGIN}/v3/elements/payment#${encodeURIComponent(JSON.stringify(config))}`;
        frame.style.cssText = 'width:100%;height:12rem;border:0;display:block';
        window.addEventListener('message', onMessage);
        host.appendChild(frame);
      },
      unmount() {
        if (!frame) return;
        window.removeEventListener('message', onMessage);
        frame.remove();
        frame = null;
      },
      destroy() {
        element.unmount();
        elements._payment = null;
      },
      focus() {
        if (frame) frame.focus();
      },
      on(type, cb) {
        if (!handlers[type])
          throw integrationError(`Unsupported event type for the Payment Element: ${type}`);
        handlers[type].push(cb);
        return element;
      },
      off(type, cb) {
        if (handlers[type]) handlers[type] = handlers[type].filter((h) => h !== cb);
        return element;
      },
      /** Asks the frame to confirm with the card typed into it; resolves with the API's answer. */
      _confirm(request) {
        if (!frame) throw integrationError('The Payment Element is not mounted.');
        const id = nextId++;
        return new Promise((resolve) => {
          pending.set(id, resolve);
          frame.contentWindow.postMessage(
            { source: MESSAGE_SOURCE, type: 'confirm', id, ...request },
            ORIGIN,
          );
        });
      },
    };
    return element;
  }

  function Stripe(key, _options) {
    if (typeof key !== 'string' || key === '') {
      throw integrationError('Please call Stripe() with your publishable key. You used an empty string.');
    }
    if (/^(sk|rk)_/.test(key)) {
      throw integrationError(
        'You should not use your secret key with Stripe.js. Please pass a publishable key instead.',
      );
    }
    if (!/^pk_(test|live)_/.test(key)) {
      throw integrationError(
        `Invalid value for Stripe(): apiKey should be a publishable key. You specified: ${key}.`,
      );
    }
    const stripe = {
      _key: key,
      elements(options) {
        const clientSecret = options?.clientSecret;
        if (typeof clientSecret !== 'string' || !/^pi_\w+_secret_\w+$/.test(clientSecret)) {
          throw integrationError(
            'Invalid value for elements(): clientSecret should be a client secret of the form pi_…_secret_….',
          );
        }
        const elements = {
          _clientSecret: clientSecret,
          _appearance: options?.appearance || {},
          _payment: null,
          create(type, elementOptions) {
            if (type !== 'payment')
              throw integrationError(
                `The emulator's Stripe.js supports only the 'payment' Element, not '${type}'.`,
              );
            if (elements._payment) throw integrationError('Can only create one Element of type payment.');
            elements._payment = createPaymentElement(stripe, elements, elementOptions);
            return elements._payment;
          },
          getElement(type) {
            return type === 'payment' ? elements._payment : null;
          },
        };
        return elements;
      },
      async confirmPayment(args) {
        const elements = args?.elements;
        if (!elements?._payment) {
          throw integrationError(
            'Invalid value for confirmPayment(): elements should have a mounted Payment Element.',
          );
        }
        const confirmParams = args.confirmParams || {};
        const redirect = args.redirect || 'always';
        if (redirect === 'always' && !confirmParams.return_url) {
          throw integrationError(
            'stripe.confirmPayment(): the `confirmParams.return_url` argument is required.',
          );
        }
        const clientSecret = elements._clientSecret;
        const answer = await elements._payment._confirm({
          clientSecret,
          returnUrl: confirmParams.return_url,
          receiptEmail: confirmParams.receipt_email,
        });
        let result = answer.error ? { error: answer.error } : outcomeOf(answer.paymentIntent);
        const intent = result.paymentIntent;
        if (intent && intent.status === 'requires_action' && intent.next_action) {
          await challenge(intent.next_action.use_stripe_sdk.stripe_js);
          const reread = await retrieveIntent(key, clientSecret);
          result = reread.error ? reread : outcomeOf(reread.paymentIntent);
        }
        if (result.paymentIntent && redirect === 'always') {
          const target = new URL(confirmParams.return_url, location.href);
          target.searchParams.set('payment_intent', result.paymentIntent.id);
          target.searchParams.set('payment_intent_client_secret', clientSecret);
          target.searchParams.set(
            'redirect_status',
            result.paymentIntent.status === 'requires_payment_method' ? 'failed' : 'succeeded',
          );
          location.assign(target.toString());
        }
        return result;
      },
      retrievePaymentIntent(clientSecret) {
        return retrieveIntent(key, clientSecret);
      },
    };
    return stripe;
  }

  window.Stripe = Stripe;
})();
