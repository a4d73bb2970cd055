import Stripe from 'stripe';

export interface StripeApiSettings {
  secretKey: string;
  /** Host, port and protocol of the API (`STRIPE_API_BASE`). */
  apiBase: URL;
}

/** The Stripe SDK client: retries on network errors, 409, 5xx and a 429 that Stripe marks retryable. */
export function createStripeClient(settings: StripeApiSettings): Stripe {
  const protocol = settings.apiBase.protocol === 'http:' ? 'http' : 'https';
  const port = settings.apiBase.port ? Number(settings.apiBase.port) : protocol === 'http' ? 80 : 443;
  return new Stripe(settings.secretKey, {
    // URL keeps an IPv6 address in brackets ([::1]); the SDK wants the bare address.
    host: settings.apiBase.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    protocol,
    maxNetworkRetries: 2,
    timeout: 10_000,
    telemetry: false,
    appInfo: { name: 'Frontline' },
  });
}
