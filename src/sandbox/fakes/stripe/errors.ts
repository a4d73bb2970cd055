import type { CardDecline } from './types.js';

/** The body of a Stripe error: `{"error": {...}}` holds one of these. */
export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
}

/** Thrown by handlers; the dispatcher turns it into Stripe's error response. */
export class StripeFakeError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeFakeError';
  }
}

function withDocUrl(body: StripeErrorBody): StripeErrorBody {
  return body.code
    ? { ...body, doc_url: `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}` }
    : body;
}

export function invalidRequest(
  message: string,
  options: { code?: string; param?: string } = {},
): StripeFakeError {
  return new StripeFakeError(400, withDocUrl({ type: 'invalid_request_error', message, ...options }));
}

export function missingParam(param: string): StripeFakeError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function invalidParam(param: string, message: string, code = 'parameter_invalid'): StripeFakeError {
  return invalidRequest(message, { code, param });
}

/**
 * A missing object. Stripe answers 404 when the id is in the URL and 400 when it is a parameter of the request.
 */
export function noSuch(noun: string, id: string, param?: string): StripeFakeError {
  const body: StripeErrorBody = withDocUrl({
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${noun}: '${id}'`,
    ...(param ? { param } : {}),
  });
  return new StripeFakeError(param ? 400 : 404, body);
}

const DECLINE_MESSAGES: Record<string, string> = {
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  generic_decline: 'Your card was declined.',
  do_not_honor: 'Your card was declined.',
  fraudulent: 'Your card was declined.',
};

const CODE_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  incorrect_number: 'Your card number is incorrect.',
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  authentication_required: 'Your card was declined. This transaction requires authentication.',
};

/** Fills in the message Stripe shows for a decline when the caller gave none. */
export function describeDecline(
  decline: CardDecline,
): Required<Pick<CardDecline, 'code' | 'message'>> & CardDecline {
  const message =
    decline.message ??
    (decline.decline_code ? DECLINE_MESSAGES[decline.decline_code] : undefined) ??
    CODE_MESSAGES[decline.code] ??
    'Your card was declined.';
  return { ...decline, message };
}

export function cardErrorBody(
  decline: CardDecline,
  extra: Pick<StripeErrorBody, 'charge' | 'payment_intent' | 'payment_method'> = {},
): StripeErrorBody {
  const described = describeDecline(decline);
  return withDocUrl({
    type: 'card_error',
    code: described.code,
    ...(described.decline_code ? { decline_code: described.decline_code } : {}),
    message: described.message,
    ...extra,
  });
}

export function cardError(
  decline: CardDecline,
  extra: Pick<StripeErrorBody, 'charge' | 'payment_intent' | 'payment_method'> = {},
): StripeFakeError {
  return new StripeFakeError(402, cardErrorBody(decline, extra));
}
