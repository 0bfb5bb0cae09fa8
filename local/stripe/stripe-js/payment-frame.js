/*
 * Inside the Payment Element's frame (emulator origin): reads the card fields, tells the page whether
 * they are complete, and on the page's "confirm" posts the card with the publishable key and the
 * intent's client secret to the emulator's API, as Stripe's own frame does. Only the API's answer goes
 * back to the page, never the card.
 */
(() => {
  const SOURCE = 'stripe-emulator';
  const config = JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}');
  const form = document.getElementById('card');
  const fields = {
    number: document.getElementById('number'),
    expiry: document.getElementById('expiry'),
    cvc: document.getElementById('cvc'),
  };
  const errorBox = document.getElementById('error');

  function post(type, extra) {
    window.parent.postMessage({ source: SOURCE, type, ...extra }, config.parentOrigin);
  }

  function digits(value) {
    return value.replace(/\D/g, '');
  }

  /** Client-side checks with Stripe's codes and messages, so the page sees the same errors. */
  function validate() {
    const number = digits(fields.number.value);
    const expiry = digits(fields.expiry.value);
    const cvc = digits(fields.cvc.value);
    if (number.length < 13) {
      return { code: 'incomplete_number', message: 'Your card number is incomplete.', field: 'number' };
    }
    if (expiry.length !== 4) {
      return {
        code: 'incomplete_expiry',
        message: "Your card's expiration date is incomplete.",
        field: 'expiry',
      };
    }
    const month = Number(expiry.slice(0, 2));
    if (month < 1 || month > 12) {
      return {
        code: 'invalid_expiry_month',
        message: "Your card's expiration date is invalid.",
        field: 'expiry',
      };
    }
    const now = new Date();
    const year = 2000 + Number(expiry.slice(2));
    if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) {
      return {
        code: 'invalid_expiry_year_past',
        message: "Your card's expiration year is in the past.",
        field: 'expiry',
      };
    }
    if (cvc.length < 3) {
      return { code: 'incomplete_cvc', message: "Your card's security code is incomplete.", field: 'cvc' };
    }
    return null;
  }

  function showError(problem) {
    errorBox.textContent = problem ? problem.message : '';
    for (const [name, input] of Object.entries(fields)) {
      input.setAttribute('aria-invalid', problem && problem.field === name ? 'true' : 'false');
    }
  }

  function emitChange() {
    const empty = Object.values(fields).every((input) => input.value.trim() === '');
    post('change', { payload: { complete: validate() === null, empty, value: { type: 'card' } } });
  }

  fields.expiry.addEventListener('input', () => {
    const d = digits(fields.expiry.value).slice(0, 4);
    fields.expiry.value = d.length > 2 ? `${d.slice(0, 2)} / ${d.slice(2)}` : d;
  });
  for (const input of Object.values(fields)) {
    input.addEventListener('input', emitChange);
    input.addEventListener('focus', () => post('focus', { payload: {} }));
    input.addEventListener('blur', () => post('blur', { payload: {} }));
  }
  // Enter in a field must not submit this frame's form: the page's own button confirms.
  form.addEventListener('submit', (event) => event.preventDefault());

  async function confirm(request) {
    const problem = validate();
    showError(problem);
    if (problem) {
      fields[problem.field].focus();
      return { error: { type: 'validation_error', code: problem.code, message: problem.message } };
    }
    const expiry = digits(fields.expiry.value);
    const body = new URLSearchParams({
      key: config.key,
      client_secret: request.clientSecret,
      use_stripe_sdk: 'true',
      'payment_method_data[type]': 'card',
      'payment_method_data[card][number]': digits(fields.number.value),
      'payment_method_data[card][exp_month]': String(Number(expiry.slice(0, 2))),
      'payment_method_data[card][exp_year]': String(2000 + Number(expiry.slice(2))),
      'payment_method_data[card][cvc]': digits(fields.cvc.value),
    });
    if (request.returnUrl) body.set('return_url', request.returnUrl);
    if (request.receiptEmail) body.set('receipt_email', request.receiptEmail);
    const id = request.clientSecret.split('_secret_')[0];
    try {
      const response = await fetch(`/v1/payment_intents/${encodeURIComponent(id)}/confirm`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      const answer = await response.json();
      if (!response.ok) {
        showError({ message: answer.error.message });
        return { error: answer.error };
      }
      return { paymentIntent: answer };
    } catch (_networkError) {
      const error = {
        type: 'api_connection_error',
        message: 'We could not reach the payment service. Check your connection and try again.',
      };
      showError(error);
      return { error };
    }
  }

  window.addEventListener('message', async (event) => {
    if (event.source !== window.parent || event.origin !== config.parentOrigin) return;
    const data = event.data;
    if (!data || data.source !== SOURCE || data.type !== 'confirm') return;
    post('confirm-result', { id: data.id, result: await confirm(data) });
  });

  // The page sizes the frame to its content. Measured once at load, a frame laid out before its
  // content (a busy machine) reported 0 and stayed invisible: report every change instead, never 0.
  let lastHeight = 0;
  const reportHeight = () => {
    const height = document.documentElement.scrollHeight;
    if (height > 0 && height !== lastHeight) {
      lastHeight = height;
      post('resize', { height });
    }
  };
  new ResizeObserver(reportHeight).observe(document.body);
  reportHeight();
  post('ready', { payload: {} });
})();
