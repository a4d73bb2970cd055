import { formatDay, formatMoney } from './calendar.js';
import type { FakeEnv } from './env.js';
import { idOf } from './types.js';

/**
 * The few pages Stripe hosts for customers (billing portal, hosted invoice, receipt), as tiny HTML so links the
 * app shares in Slack lead somewhere in the sandbox.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;color:#1a1f36}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;border-bottom:1px solid #e3e8ee}.note{color:#697386;font-size:.9rem}</style>
</head><body>${body}<p class="note">Local Stripe sandbox: no real money moves.</p></body></html>`;
}

export function portalPage(env: FakeEnv, path: string): string | null {
  const session = [...env.state.portalSessions.values()].find((entry) => entry.url === path);
  if (!session) return null;
  const customer = env.state.customers.get(String(session.customer));
  const subscriptions = [...env.state.subscriptions.values()].filter(
    (sub) => sub.customer === session.customer && sub.status !== 'canceled',
  );
  const method = customer
    ? env.state.paymentMethods.get(idOf(customer.invoice_settings.default_payment_method) ?? '')
    : undefined;
  const rows = subscriptions
    .map((sub) => `<tr><td>${escapeHtml(sub.id)}</td><td>${escapeHtml(sub.status)}</td></tr>`)
    .join('');
  const card = method?.card
    ? `${method.card.brand} •••• ${method.card.last4} (expires ${method.card.exp_month}/${method.card.exp_year})`
    : 'none';
  const back = session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Return</a></p>` : '';
  return page(
    'Billing portal',
    `<h1>Billing portal</h1><p>${escapeHtml(customer?.name ?? customer?.email ?? String(session.customer))}</p>
<h2>Subscriptions</h2><table>${rows || '<tr><td>None</td></tr>'}</table><h2>Payment method</h2><p>${escapeHtml(card)}</p>${back}`,
  );
}

export function invoicePage(env: FakeEnv, id: string): string | null {
  const invoice = env.state.invoices.get(id);
  if (!invoice) return null;
  const lines = invoice.lines.data
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description ?? '')}</td><td>${formatMoney(line.amount, line.currency)}</td></tr>`,
    )
    .join('');
  return page(
    `Invoice ${invoice.number ?? invoice.id}`,
    `<h1>Invoice ${escapeHtml(invoice.number ?? invoice.id)}</h1><p>${escapeHtml(invoice.customer_name ?? invoice.customer_email ?? '')}</p>
<p>Status: <strong>${escapeHtml(invoice.status ?? '')}</strong> · Issued ${formatDay(invoice.created)}</p><table>${lines}</table>
<p>Total ${formatMoney(invoice.total, invoice.currency)} · Amount due ${formatMoney(invoice.amount_remaining, invoice.currency)}</p>`,
  );
}

export function receiptPage(env: FakeEnv, id: string): string | null {
  const charge = env.state.charges.get(id);
  if (!charge) return null;
  const card = charge.payment_method_details?.card;
  return page(
    'Receipt',
    `<h1>Receipt</h1><p>${formatMoney(charge.amount, charge.currency)} on ${formatDay(charge.created)} · ${escapeHtml(charge.status)}</p>
<p>${escapeHtml(card ? `${card.brand} •••• ${card.last4}` : '')}</p>${
      charge.amount_refunded > 0
        ? `<p>Refunded ${formatMoney(charge.amount_refunded, charge.currency)}</p>`
        : ''
    }`,
  );
}
