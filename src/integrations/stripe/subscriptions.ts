import type Stripe from 'stripe';

/**
 * Stripe expands at most four levels, the list's leading `data` included: `data.items.data.price` is the deepest a
 * subscription list reaches, so an item's product comes from a second request. The recent catalog is asked for
 * beside the list (one page, in parallel, so no round trip is added); a product older than that page is then asked
 * for by id.
 */
const CATALOG_PAGE = 100;

/**
 * A tiered price's tiers come only when a request expands them, and `data.items.data.price.tiers` is a level too
 * deep for a subscription list, so tiered prices are read one by one, a few at a time. Stripe never changes a
 * price's amounts once it exists (and price ids are unique across accounts), so what was read is kept for the prices
 * used most recently. A read that fails leaves the price without tiers: its amount then shows as not available,
 * and the rest of the subscriptions still arrive.
 */
const TIER_CACHE_SIZE = 500;
const TIER_READS_AT_ONCE = 4;
const tierCache = new Map<string, Stripe.Price.Tier[]>();

async function tiersOf(stripe: Stripe, priceId: string): Promise<Stripe.Price.Tier[] | undefined> {
  const known = tierCache.get(priceId);
  if (known) {
    tierCache.delete(priceId);
    tierCache.set(priceId, known);
    return known;
  }
  const price = await stripe.prices.retrieve(priceId, { expand: ['tiers'] }).catch(() => undefined);
  if (!price?.tiers) return undefined;
  tierCache.set(priceId, price.tiers);
  if (tierCache.size > TIER_CACHE_SIZE) tierCache.delete(tierCache.keys().next().value as string);
  return price.tiers;
}

/** Reads the tiers of these prices (at most {@link TIER_READS_AT_ONCE} requests at a time) into the prices. */
async function fillTiers(stripe: Stripe, byPrice: ReadonlyMap<string, Stripe.Price[]>): Promise<void> {
  const queue = [...byPrice];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [priceId, prices] = next;
      const tiers = await tiersOf(stripe, priceId);
      if (tiers) for (const price of prices) price.tiers = tiers;
    }
  };
  await Promise.all(Array.from({ length: Math.min(TIER_READS_AT_ONCE, queue.length) }, worker));
}

/** A customer's subscriptions with every item's price, its product and (for a tiered price) its tiers. */
export async function listSubscriptionsWithProducts(
  stripe: Stripe,
  params: Stripe.SubscriptionListParams & { customer: string },
): Promise<Stripe.Subscription[]> {
  const [page, catalog] = await Promise.all([
    stripe.subscriptions.list({ ...params, expand: ['data.items.data.price', ...(params.expand ?? [])] }),
    stripe.products.list({ limit: CATALOG_PAGE }),
  ]);
  const products = new Map<string, Stripe.Product>(catalog.data.map((product) => [product.id, product]));
  const wanted = new Set<string>();
  for (const subscription of page.data) {
    for (const item of subscription.items.data) {
      const product = item.price.product;
      if (typeof product === 'string' && !products.has(product)) wanted.add(product);
    }
  }
  // A metered price's figure comes from usage, not its tiers: those are not read.
  const tiered = new Map<string, Stripe.Price[]>();
  for (const subscription of page.data)
    for (const item of subscription.items.data)
      if (
        item.price.billing_scheme === 'tiered' &&
        !item.price.tiers &&
        item.price.recurring?.usage_type !== 'metered'
      )
        tiered.set(item.price.id, [...(tiered.get(item.price.id) ?? []), item.price]);
  await Promise.all([
    (async () => {
      if (wanted.size === 0) return;
      // `ids` answers at most one page; a subscription has at most 20 items, and the list asks for at most 100.
      const older = await stripe.products.list({
        ids: [...wanted].slice(0, CATALOG_PAGE),
        limit: CATALOG_PAGE,
      });
      for (const product of older.data) products.set(product.id, product);
    })(),
    fillTiers(stripe, tiered),
  ]);
  for (const subscription of page.data) {
    for (const item of subscription.items.data) {
      const product = item.price.product;
      // A deleted product is not listed: the id stays, and the item reads as a plan with the price's name.
      if (typeof product === 'string') item.price.product = products.get(product) ?? product;
    }
  }
  return page.data;
}
