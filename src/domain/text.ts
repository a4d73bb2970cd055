import { stemmer } from 'stemmer';

/**
 * Turning free text written by agents and customers into comparable terms: lower case, accents and punctuation
 * gone, support shorthand expanded (inv → invoice), common words dropped, English words reduced to their stem
 * (charged → charg), plus the exact signals a text may carry (Stripe ids, decline and error codes, invoice numbers).
 */

const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at for from by with without is are was were be been being it its this that ' +
    'these those we our you your they their them he she his her i me my us as so than then there here what which ' +
    'who whom when where why how all any both each few more most other some such only own same too very also into ' +
    'over under again further once per via vs re hi hello please thanks thank just do does did done have has had ' +
    'can could would should will shall may might must customer customers client clients says said ask asks asked ' +
    'want wants wanted write writes wrote told tell tells team hey dear regards kind'
  ).split(' '),
);

/** Shorthand agents use, spelled out before stemming so it meets the full word. */
const SHORTHAND: Record<string, string> = {
  inv: 'invoice',
  invs: 'invoices',
  sub: 'subscription',
  subs: 'subscriptions',
  subscr: 'subscription',
  cc: 'card',
  pmt: 'payment',
  pymt: 'payment',
  pmts: 'payments',
  acct: 'account',
  acc: 'account',
  amt: 'amount',
  cust: 'customer',
  qty: 'quantity',
  yr: 'year',
  yrs: 'years',
  mo: 'month',
  mos: 'months',
  dbl: 'double',
  '2x': 'twice',
  x2: 'twice',
  pls: 'please',
  plz: 'please',
  thx: 'thanks',
  bc: 'because',
  w: 'with',
  wo: 'without',
  refnd: 'refund',
};

/** Stripe decline codes and API error codes worth matching exactly. */
const STRIPE_CODES = new Set([
  'authentication_required',
  'approve_with_id',
  'call_issuer',
  'card_declined',
  'card_not_supported',
  'card_velocity_exceeded',
  'currency_not_supported',
  'do_not_honor',
  'do_not_try_again',
  'duplicate_transaction',
  'expired_card',
  'fraudulent',
  'generic_decline',
  'incorrect_cvc',
  'incorrect_number',
  'incorrect_zip',
  'insufficient_funds',
  'invalid_account',
  'invalid_amount',
  'invalid_cvc',
  'invalid_expiry_month',
  'invalid_expiry_year',
  'lost_card',
  'processing_error',
  'restricted_card',
  'revocation_of_authorization',
  'stolen_card',
  'transaction_not_allowed',
  'try_again_later',
  'withdrawal_count_limit_exceeded',
  'resource_missing',
  'idempotency_error',
  'rate_limit',
  'payment_intent_authentication_failure',
  'payment_method_unactivated',
  'setup_intent_authentication_failure',
  'charge_already_refunded',
  'charge_disputed',
  'invoice_no_customer_line_items',
  'tax_id_invalid',
  'customer_tax_location_invalid',
  'mandate_invalid',
  'bank_account_verification_failed',
]);

const STRIPE_ID = /\b(?:in|ch|pi|py|price|prod|sub|si|cus|re|cn|ii|pm|src|seti|txr|dp)_[A-Za-z0-9]{6,}\b/g;
const INVOICE_NUMBER = /\b[A-Z]{2,6}-\d{3,5}(?:-\d{2,6})+\b|\bINV-?\d{3,}\b/gi;

/** Signals that, when a text and a problem share one, point strongly at the same cause. */
export interface TextSignals {
  /** Stripe decline or error codes, e.g. `insufficient_funds`. */
  codes: string[];
  /** Stripe object ids (invoices, charges, prices, …). */
  stripeIds: string[];
  /** Invoice numbers such as `INV-2026-0142`. */
  invoiceNumbers: string[];
}

export function extractSignals(text: string): TextSignals {
  const lower = text.toLowerCase();
  const codes = [...new Set(lower.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? [])].filter((code) =>
    STRIPE_CODES.has(code),
  );
  const stripeIds = [...new Set(text.match(STRIPE_ID) ?? [])];
  const invoiceNumbers = [...new Set((text.match(INVOICE_NUMBER) ?? []).map((n) => n.toUpperCase()))];
  return { codes, stripeIds, invoiceNumbers };
}

export function mergeSignals(...all: TextSignals[]): TextSignals {
  return {
    codes: [...new Set(all.flatMap((s) => s.codes))],
    stripeIds: [...new Set(all.flatMap((s) => s.stripeIds))],
    invoiceNumbers: [...new Set(all.flatMap((s) => s.invoiceNumbers))],
  };
}

export const NO_SIGNALS: TextSignals = { codes: [], stripeIds: [], invoiceNumbers: [] };

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, '');
}

/** The words of a text, folded and with shorthand spelled out, before stop words and stemming. */
export function words(text: string): string[] {
  return fold(text)
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .flatMap((word) => (SHORTHAND[word] ?? word).split(' '));
}

/** Comparable terms: stems of the meaningful words, in order (numbers kept as they are). */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    out.push(/^\d+$/.test(word) ? word : stemmer(word));
  }
  return out;
}

const QUESTION =
  /\b(how (do|does|can|long|to|many|much|soon)|when (will|does|is|can)|where (can|do|is)|is (it|there) (possible|a way)|can (we|they|i|you)|would (like|love) to know|wants? to know|asks? (how|when|where|whether|if|about)|explain|question|clarif\w*)\b|\?/i;
const MALFUNCTION =
  /\b(error\w*|fail\w*|wrong\w*|stuck|missing|never|twice|double\w*|duplicat\w*|not (work\w*|appl\w*|show\w*|sent|receiv\w*|reduc\w*|updat\w*|arriv\w*|go\w*)|doesnt|didnt|isnt|wasnt|cant|cannot|broken|incorrect\w*|still|again|bug\w*|declin\w*|reject\w*|no longer|disappear\w*|gone|two times|2 times)\b/gi;

/**
 * Cues of what kind of text it is: a how-to question is less likely to be another case of a known fault than a text
 * that reports something going wrong.
 */
export function textCues(text: string): { isQuestion: boolean; malfunctionCues: number } {
  const folded = fold(text);
  return { isQuestion: QUESTION.test(folded), malfunctionCues: folded.match(MALFUNCTION)?.length ?? 0 };
}
