import type { StripeFake } from '../fakes/stripe-fake.js';

/**
 * The demo customers the sandbox seeds into the Stripe fake: one per situation the billing team meets most (a large
 * enterprise account in good standing, failed payments, a duplicate charge, a plain self-serve account with a past
 * refund, a trial about to end, an annual plan with a discount), over a small price catalogue. Everything is
 * relative to `now`; the companies and people are invented.
 */

const DAY_MS = 86_400_000;

export interface DemoCatalogue {
  products: {
    starter: string;
    growth: string;
    enterprisePro: string;
    advancedAnalytics: string;
    prioritySupport: string;
    apiExtraPack: string;
  };
  /** Price ids; each price also has a `lookup_key` of the same name in snake case. */
  prices: {
    starterMonthly: string;
    starterAnnual: string;
    growthMonthly: string;
    growthAnnual: string;
    enterpriseProMonthly: string;
    enterpriseProAnnual: string;
    advancedAnalyticsMonthly: string;
    prioritySupportMonthly: string;
    apiExtraPackMonthly: string;
  };
}

export interface DemoCustomers {
  catalogue: DemoCatalogue;
  /** Enterprise Pro, 50 seats (45 used) plus three add-ons, 22 months of paid invoices. */
  enterprise: { customer: string; subscription: string; paymentMethod: string; latestInvoice: string };
  /** Self-serve, card expiring before the renewal (or just expired), three failed attempts on the open invoice, subscription past_due. */
  failedPayments: {
    customer: string;
    subscription: string;
    paymentMethod: string;
    openInvoice: string;
    failedCharges: string[];
  };
  /** Hybrid, charged twice for the same amount on the same card three minutes apart. */
  duplicateCharge: {
    customer: string;
    subscription: string;
    invoice: string;
    invoiceCharge: string;
    duplicateCharge: string;
  };
  /** Self-serve on Starter, all paid, one partial refund three months ago. */
  selfServe: { customer: string; subscription: string; refundedCharge: string; refund: string };
  /** On a 14-day trial that ends in five days. */
  trialing: { customer: string; subscription: string };
  /** Growth billed annually with a 10% discount. */
  annualDiscount: { customer: string; subscription: string; coupon: string };
}

/** `months` calendar months before `from` (UTC), keeping the day of the month where it exists. */
function monthsBefore(from: number, months: number): number {
  const date = new Date(from);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function seedCatalogue(fake: StripeFake, created: number): DemoCatalogue {
  const product = (id: string, name: string, description: string) =>
    fake.seed.product({ id, name, description, created }).id;
  const products = {
    starter: product('prod_DemoStarter', 'Starter', 'For small teams getting started.'),
    growth: product('prod_DemoGrowth', 'Growth', 'For growing teams with more workflows.'),
    enterprisePro: product(
      'prod_DemoEnterprisePro',
      'Enterprise Pro',
      'Per-seat plan with SSO, audit logs and SLAs.',
    ),
    advancedAnalytics: product(
      'prod_DemoAdvancedAnalytics',
      'Advanced Analytics',
      'Add-on: dashboards and exports.',
    ),
    prioritySupport: product(
      'prod_DemoPrioritySupport',
      'Priority Support',
      'Add-on: 1-hour response, named engineer.',
    ),
    apiExtraPack: product('prod_DemoApiExtraPack', 'API Extra Pack', 'Add-on: 10x API quota.'),
  };
  const price = (
    id: string,
    productId: string,
    unitAmount: number,
    interval: 'month' | 'year',
    lookupKey: string,
    nickname: string,
  ) => fake.seed.price({ id, product: productId, unitAmount, interval, lookupKey, nickname, created }).id;
  return {
    products,
    prices: {
      starterMonthly: price(
        'price_DemoStarterMonthly',
        products.starter,
        2_900,
        'month',
        'starter_monthly',
        'Starter monthly',
      ),
      starterAnnual: price(
        'price_DemoStarterAnnual',
        products.starter,
        29_000,
        'year',
        'starter_annual',
        'Starter annual',
      ),
      growthMonthly: price(
        'price_DemoGrowthMonthly',
        products.growth,
        9_900,
        'month',
        'growth_monthly',
        'Growth monthly',
      ),
      growthAnnual: price(
        'price_DemoGrowthAnnual',
        products.growth,
        99_000,
        'year',
        'growth_annual',
        'Growth annual',
      ),
      enterpriseProMonthly: price(
        'price_DemoEnterpriseProMonthly',
        products.enterprisePro,
        4_800,
        'month',
        'enterprise_pro_monthly',
        'Enterprise Pro monthly (per seat)',
      ),
      enterpriseProAnnual: price(
        'price_DemoEnterpriseProAnnual',
        products.enterprisePro,
        48_000,
        'year',
        'enterprise_pro_annual',
        'Enterprise Pro annual (per seat)',
      ),
      advancedAnalyticsMonthly: price(
        'price_DemoAdvancedAnalytics',
        products.advancedAnalytics,
        50_000,
        'month',
        'advanced_analytics_monthly',
        'Advanced Analytics monthly',
      ),
      prioritySupportMonthly: price(
        'price_DemoPrioritySupport',
        products.prioritySupport,
        30_000,
        'month',
        'priority_support_monthly',
        'Priority Support monthly',
      ),
      apiExtraPackMonthly: price(
        'price_DemoApiExtraPack',
        products.apiExtraPack,
        20_000,
        'month',
        'api_extra_pack_monthly',
        'API Extra Pack monthly',
      ),
    },
  };
}

export function seedStripeDemo(fake: StripeFake, now = Date.now()): DemoCustomers {
  const catalogue = seedCatalogue(fake, monthsBefore(now, 36));
  const { prices } = catalogue;
  const until = now;

  // 1. Enterprise, in good standing for 22 months; the current period began 18 days ago.
  const enterpriseStart = monthsBefore(now - 18 * DAY_MS, 21);
  const cardExpiry = new Date(monthsBefore(now, -15));
  const enterprise = fake.seed.customer({
    id: 'cus_DemoHalcyonFreight',
    name: 'Halcyon Freight Systems',
    email: 'billing.halcyon@example.com',
    phone: '+1 415 555 0142',
    address: {
      line1: '500 Harbor Boulevard',
      city: 'San Francisco',
      state: 'CA',
      postal_code: '94107',
      country: 'US',
    },
    metadata: {
      segment: 'enterprise',
      seats_used: '45',
      contract_end: isoDate(monthsBefore(enterpriseStart, -24)),
      account_owner: 'Dana Whitfield',
    },
    created: enterpriseStart - 2 * DAY_MS,
    card: {
      brand: 'visa',
      last4: '4242',
      expMonth: cardExpiry.getUTCMonth() + 1,
      expYear: cardExpiry.getUTCFullYear(),
      fingerprint: 'DemoHalcyonVisa1',
    },
  });
  const enterpriseSubscription = fake.seed.subscription({
    id: 'sub_DemoHalcyonEnterprise',
    customer: enterprise.id,
    items: [
      { price: prices.enterpriseProMonthly, quantity: 50 },
      { price: prices.advancedAnalyticsMonthly },
      { price: prices.prioritySupportMonthly },
      { price: prices.apiExtraPackMonthly },
    ],
    start: enterpriseStart,
    metadata: { seats_used: '45', contract: 'annual, auto-renewing' },
    until,
  });

  // 2. Self-serve with three failed attempts on the invoice of a period that began nine days ago.
  const failingStart = monthsBefore(now - 9 * DAY_MS, 7);
  // The card's last month is the one before the renewal's: from the 10th of a month on it is still valid and
  // expires before the renewal; earlier in a month (renewal this month) it has already expired, as its last
  // declined attempt says.
  const renewal = new Date(monthsBefore(now - 9 * DAY_MS, -1));
  const cardLastMonth = new Date(Date.UTC(renewal.getUTCFullYear(), renewal.getUTCMonth() - 1, 1));
  const failing = fake.seed.customer({
    id: 'cus_DemoBrightleafStudio',
    name: 'Brightleaf Studio',
    email: 'owner.brightleaf@example.org',
    address: { line1: '18 Canal Street', city: 'Portland', state: 'OR', postal_code: '97209', country: 'US' },
    metadata: { segment: 'self_serve' },
    created: failingStart,
    card: {
      brand: 'mastercard',
      last4: '4444',
      expMonth: cardLastMonth.getUTCMonth() + 1,
      expYear: cardLastMonth.getUTCFullYear(),
      fingerprint: 'DemoBrightleafMc',
      decline: { code: 'card_declined', decline_code: 'insufficient_funds' },
    },
  });
  const failingSubscription = fake.seed.subscription({
    id: 'sub_DemoBrightleafGrowth',
    customer: failing.id,
    items: [{ price: prices.growthMonthly }],
    start: failingStart,
    latestInvoice: 'open',
    until,
  });
  const openInvoice = failingSubscription.latestInvoice;
  const firstAttempt = openInvoice.created * 1000 + 60 * 60 * 1000;
  const failedCharges = [
    fake.seed.failedPayment({
      invoice: openInvoice.id,
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      at: firstAttempt,
    }),
    fake.seed.failedPayment({
      invoice: openInvoice.id,
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      at: firstAttempt + 3 * DAY_MS,
    }),
    fake.seed.failedPayment({ invoice: openInvoice.id, code: 'expired_card', at: firstAttempt + 8 * DAY_MS }),
  ].map((attempt) => attempt.charge.id);

  // 3. Hybrid: the invoice of a period that began two days ago was paid, and the card was charged again 3 minutes later.
  const hybridStart = monthsBefore(now - 2 * DAY_MS, 14);
  const hybrid = fake.seed.customer({
    id: 'cus_DemoCorvidRobotics',
    name: 'Corvid Robotics',
    email: 'finance.corvid@example.com',
    address: {
      line1: '2200 Mission College Blvd',
      city: 'Santa Clara',
      state: 'CA',
      postal_code: '95054',
      country: 'US',
    },
    metadata: { segment: 'hybrid', seats_used: '12' },
    created: hybridStart,
    card: {
      brand: 'visa',
      last4: '1881',
      expMonth: 8,
      expYear: new Date(now).getUTCFullYear() + 2,
      fingerprint: 'DemoCorvidVisa01',
    },
  });
  const hybridSubscription = fake.seed.subscription({
    id: 'sub_DemoCorvidGrowth',
    customer: hybrid.id,
    items: [{ price: prices.growthMonthly }, { price: prices.prioritySupportMonthly }],
    start: hybridStart,
    until,
  });
  const paidInvoice = hybridSubscription.latestInvoice;
  const invoiceCharge = [...fake.state.charges.values()].find(
    (charge) =>
      charge.customer === hybrid.id &&
      charge.status === 'succeeded' &&
      charge.created === paidInvoice.status_transitions.paid_at,
  );
  if (!invoiceCharge) throw new Error('demo: the hybrid customer has no charge for its latest invoice');
  const duplicate = fake.seed.charge({
    customer: hybrid.id,
    amount: invoiceCharge.amount,
    description: invoiceCharge.description ?? 'Subscription cycle',
    at: (invoiceCharge.created + 180) * 1000,
  });

  // 4. Plain self-serve on Starter, with a partial refund three months ago.
  const selfServeStart = monthsBefore(now, 10);
  const selfServe = fake.seed.customer({
    id: 'cus_DemoJuniperMoss',
    name: 'Juniper & Moss Bakery',
    email: 'hello.junipermoss@example.org',
    metadata: { segment: 'self_serve' },
    created: selfServeStart,
    card: { brand: 'visa', last4: '0077', expMonth: 11, expYear: new Date(now).getUTCFullYear() + 3 },
  });
  const selfServeSubscription = fake.seed.subscription({
    id: 'sub_DemoJuniperStarter',
    customer: selfServe.id,
    items: [{ price: prices.starterMonthly }],
    start: selfServeStart,
    until,
  });
  const refundedInvoice = selfServeSubscription.invoices[selfServeSubscription.invoices.length - 4];
  const refundedCharge = [...fake.state.charges.values()].find(
    (charge) =>
      charge.customer === selfServe.id && charge.created === refundedInvoice?.status_transitions.paid_at,
  );
  if (!refundedCharge) throw new Error('demo: the self-serve customer has no charge to refund');
  const refund = fake.seed.refund({
    charge: refundedCharge.id,
    amount: 1_000,
    reason: 'requested_by_customer',
    at: (refundedCharge.created + 2 * 86_400) * 1000,
    metadata: { note: 'Goodwill credit after a login outage' },
  });

  // 5a. A trial that ends in five days.
  const trialStart = now - 9 * DAY_MS;
  const trialing = fake.seed.customer({
    id: 'cus_DemoQuillfeatherLabs',
    name: 'Quillfeather Labs',
    email: 'ops.quillfeather@example.com',
    metadata: { segment: 'self_serve' },
    created: trialStart,
    card: { brand: 'amex', last4: '8431', expMonth: 4, expYear: new Date(now).getUTCFullYear() + 4 },
  });
  const trialSubscription = fake.seed.subscription({
    id: 'sub_DemoQuillfeatherTrial',
    customer: trialing.id,
    items: [{ price: prices.growthMonthly }],
    start: trialStart,
    trialDays: 14,
    until,
  });

  // 5b. Annual plan with a 10% discount.
  const coupon = fake.seed.coupon({
    id: 'DEMO_ANNUAL10',
    percentOff: 10,
    duration: 'forever',
    name: 'Annual commitment 10%',
  });
  const annualStart = monthsBefore(now, 4);
  const annual = fake.seed.customer({
    id: 'cus_DemoOstranderLegal',
    name: 'Ostrander Legal LLP',
    email: 'accounts.ostrander@example.org',
    address: { line1: '75 State Street', city: 'Boston', state: 'MA', postal_code: '02109', country: 'US' },
    metadata: { segment: 'hybrid' },
    created: annualStart,
    card: { brand: 'visa', last4: '5556', expMonth: 2, expYear: new Date(now).getUTCFullYear() + 2 },
  });
  const annualSubscription = fake.seed.subscription({
    id: 'sub_DemoOstranderAnnual',
    customer: annual.id,
    items: [{ price: prices.growthAnnual }],
    start: annualStart,
    coupon: coupon.id,
    until,
  });

  const cardOf = (customer: string) => {
    const card = fake.seed.cardOf(customer);
    if (!card) throw new Error(`demo: ${customer} has no card`);
    return card.id;
  };

  return {
    catalogue,
    enterprise: {
      customer: enterprise.id,
      subscription: enterpriseSubscription.subscription.id,
      paymentMethod: cardOf(enterprise.id),
      latestInvoice: enterpriseSubscription.latestInvoice.id,
    },
    failedPayments: {
      customer: failing.id,
      subscription: failingSubscription.subscription.id,
      paymentMethod: cardOf(failing.id),
      openInvoice: openInvoice.id,
      failedCharges,
    },
    duplicateCharge: {
      customer: hybrid.id,
      subscription: hybridSubscription.subscription.id,
      invoice: paidInvoice.id,
      invoiceCharge: invoiceCharge.id,
      duplicateCharge: duplicate.charge.id,
    },
    selfServe: {
      customer: selfServe.id,
      subscription: selfServeSubscription.subscription.id,
      refundedCharge: refundedCharge.id,
      refund: refund.id,
    },
    trialing: { customer: trialing.id, subscription: trialSubscription.subscription.id },
    annualDiscount: {
      customer: annual.id,
      subscription: annualSubscription.subscription.id,
      coupon: coupon.id,
    },
  };
}
