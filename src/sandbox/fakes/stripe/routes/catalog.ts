import { invalidParam, invalidRequest, missingParam, noSuch } from '../errors.js';
import { listPage } from '../listing.js';
import { newCoupon, newPrice, newProduct, type PriceScheme } from '../objects.js';
import {
  applyMetadata,
  arrayOfObjects,
  inRange,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalNumber,
  optionalObject,
  optionalRange,
  optionalString,
  optionalStringList,
  type Params,
  requiredString,
} from '../params.js';
import { DECIMAL_PLACES, fromScaled, toScaled } from '../pricing.js';
import { type ApiCall, arg, type Route } from '../router.js';
import { idOf, type JsonObject, type Price, type Product } from '../types.js';
import { searchResources } from './customers.js';

function product(call: ApiCall, id: string, param?: string): Product {
  const found = call.env.state.products.get(id);
  if (!found) throw noSuch('product', id, param);
  return found;
}

function createProduct(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const id = optionalString(params, 'id') ?? env.ids.next('prod');
  if (env.state.products.has(id))
    throw invalidRequest(`Product already exists.`, { code: 'resource_already_exists', param: 'id' });
  const created = newProduct({
    id,
    created: at,
    name: requiredString(params, 'name'),
    description: optionalString(params, 'description') ?? null,
    active: optionalBoolean(params, 'active'),
    metadata: applyMetadata({}, params),
    unitLabel: optionalString(params, 'unit_label') ?? null,
  });
  env.state.products.set(created.id, created);
  env.emit('product.created', env.render(created), at);
  const defaultPrice = optionalObject(params, 'default_price_data');
  if (defaultPrice) {
    const price = makePrice(call, { ...defaultPrice, product: created.id });
    created.default_price = price.id;
  }
  return env.render(created);
}

function updateProduct(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const found = product(call, arg(call, 'id'));
  env.update(
    'product.updated',
    found,
    (p) => {
      const name = optionalString(params, 'name');
      if (name) p.name = name;
      const description = optionalString(params, 'description');
      if (description !== undefined) p.description = description || null;
      const active = optionalBoolean(params, 'active');
      if (active !== undefined) p.active = active;
      const defaultPrice = optionalString(params, 'default_price');
      if (defaultPrice !== undefined) p.default_price = defaultPrice || null;
      p.metadata = applyMetadata(p.metadata, params);
      p.updated = at;
    },
    at,
  );
  return env.render(found);
}

function makePrice(call: ApiCall, params: Record<string, unknown>): Price {
  const { env, at } = call;
  let productId = optionalString(params, 'product');
  const productData = optionalObject(params, 'product_data');
  if (!productId && productData) {
    const made = newProduct({
      id: env.ids.next('prod'),
      created: at,
      name: requiredString(productData, 'name'),
      metadata: applyMetadata({}, productData),
    });
    env.state.products.set(made.id, made);
    env.emit('product.created', env.render(made), at);
    productId = made.id;
  }
  if (!productId) throw missingParam('product');
  product(call, productId, 'product');
  const recurringParams = optionalObject(params, 'recurring');
  const recurring = recurringParams
    ? {
        interval:
          optionalEnum(recurringParams, 'interval', ['day', 'week', 'month', 'year'] as const) ?? 'month',
        intervalCount: optionalInteger(recurringParams, 'interval_count') ?? 1,
        usageType:
          optionalEnum(recurringParams, 'usage_type', ['licensed', 'metered'] as const) ?? 'licensed',
        meter: optionalString(recurringParams, 'meter') || null,
      }
    : null;
  if (recurringParams && !optionalString(recurringParams, 'interval'))
    throw missingParam('recurring[interval]');
  const scheme = priceScheme(params, recurring !== null);
  const lookupKey = optionalString(params, 'lookup_key') || null;
  if (lookupKey) claimLookupKey(call, lookupKey, optionalBoolean(params, 'transfer_lookup_key') ?? false);
  const price = newPrice({
    id: env.ids.next('price', 24),
    created: at,
    product: productId,
    scheme,
    currency: requiredString(params, 'currency').toLowerCase(),
    recurring,
    nickname: optionalString(params, 'nickname') ?? null,
    lookupKey,
    active: optionalBoolean(params, 'active'),
    metadata: applyMetadata({}, params),
  });
  env.state.prices.set(price.id, price);
  env.emit('price.created', env.render(price), at);
  return price;
}

/** `You may only specify one of these parameters: a, b.`, Stripe's answer to mutually exclusive parameters. */
function onlyOneOf(...names: string[]) {
  return invalidRequest(`You may only specify one of these parameters: ${names.join(', ')}.`, {
    param: names[names.length - 1],
  });
}

/** A non-negative amount in minor units: an integer, or a decimal string with at most 12 places. */
function amountParam(params: Params, key: string, path: string, kind: 'integer' | 'decimal') {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (kind === 'integer') {
    if (typeof value !== 'string' || !/^-?\d+$/.test(value))
      throw invalidParam(path, `Invalid integer: ${String(value)}`, 'parameter_invalid_integer');
    if (value.startsWith('-'))
      throw invalidParam(path, 'Invalid non-negative integer', 'parameter_invalid_integer');
    return String(Number(value));
  }
  if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value))
    throw invalidParam(path, `Invalid decimal: ${String(value)}`, 'parameter_invalid_decimal');
  if (value.startsWith('-'))
    throw invalidParam(path, 'Invalid non-negative decimal', 'parameter_invalid_decimal');
  const scaled = toScaled(value);
  if (scaled === undefined) {
    throw invalidParam(
      path,
      `Invalid decimal: ${value}. A decimal amount can have at most ${DECIMAL_PLACES} decimal places.`,
      'parameter_invalid_decimal',
    );
  }
  return fromScaled(scaled);
}

/** One amount given either as `<key>` (an integer) or `<key>_decimal`, never both; `path` names the parameter. */
function eitherAmount(params: Params, key: string, path: (name: string) => string = (name) => name) {
  const whole = amountParam(params, key, path(key), 'integer');
  const decimal = amountParam(params, `${key}_decimal`, path(`${key}_decimal`), 'decimal');
  if (whole !== undefined && decimal !== undefined) throw onlyOneOf(path(key), path(`${key}_decimal`));
  return whole ?? decimal;
}

/**
 * Reads how a new price charges, refusing the combinations Stripe refuses: exactly one of `unit_amount`,
 * `unit_amount_decimal` or `custom_unit_amount` for `per_unit`; `tiers` and `tiers_mode` (and no unit amount, no
 * `transform_quantity`) for `tiered`.
 */
function priceScheme(params: Params, recurring: boolean): PriceScheme {
  const billingScheme = optionalEnum(params, 'billing_scheme', ['per_unit', 'tiered'] as const) ?? 'per_unit';
  const unitAmount = eitherAmount(params, 'unit_amount');
  const customParams = optionalObject(params, 'custom_unit_amount');
  const tierParams = arrayOfObjects(params, 'tiers');
  const tiersMode = optionalEnum(params, 'tiers_mode', ['graduated', 'volume'] as const);
  const transformParams = optionalObject(params, 'transform_quantity');
  const amountParamName = params.unit_amount_decimal !== undefined ? 'unit_amount_decimal' : 'unit_amount';

  if (billingScheme === 'tiered') {
    if (unitAmount !== undefined) {
      throw invalidRequest(
        `\`${amountParamName}\` cannot be set when \`billing_scheme\` is \`tiered\`; set the amounts on the tiers instead.`,
        { param: amountParamName },
      );
    }
    if (customParams) {
      throw invalidRequest('`custom_unit_amount` cannot be set when `billing_scheme` is `tiered`.', {
        param: 'custom_unit_amount',
      });
    }
    if (transformParams) {
      throw invalidRequest(
        '`transform_quantity` cannot be combined with `tiers`: quantity transformation needs `billing_scheme=per_unit`.',
        { param: 'transform_quantity' },
      );
    }
    if (!tierParams || tierParams.length === 0) throw missingParam('tiers');
    if (!tiersMode) throw missingParam('tiers_mode');
    return { billingScheme: 'tiered', tiersMode, tiers: readTiers(tierParams) };
  }

  if (tierParams) {
    throw invalidRequest('`tiers` can only be set when `billing_scheme` is `tiered`.', { param: 'tiers' });
  }
  if (tiersMode) {
    throw invalidRequest('`tiers_mode` can only be set when `billing_scheme` is `tiered`.', {
      param: 'tiers_mode',
    });
  }
  if (customParams) {
    if (unitAmount !== undefined) throw onlyOneOf('custom_unit_amount', amountParamName);
    if (optionalBoolean(customParams, 'enabled') !== true) {
      if (customParams.enabled === undefined) throw missingParam('custom_unit_amount[enabled]');
      throw invalidParam(
        'custom_unit_amount[enabled]',
        'custom_unit_amount[enabled] must be true; leave out custom_unit_amount for a fixed amount.',
      );
    }
    if (recurring) {
      throw invalidRequest(
        '`custom_unit_amount` is only supported for one-time prices, not recurring ones.',
        {
          param: 'custom_unit_amount',
        },
      );
    }
    if (transformParams) {
      throw invalidRequest('`transform_quantity` cannot be combined with `custom_unit_amount`.', {
        param: 'transform_quantity',
      });
    }
    const bound = (key: string) => {
      const value = amountParam(customParams, key, `custom_unit_amount[${key}]`, 'integer');
      return value === undefined ? null : Number(value);
    };
    const [minimum, maximum, preset] = [bound('minimum'), bound('maximum'), bound('preset')];
    if (minimum !== null && maximum !== null && minimum > maximum) {
      throw invalidParam(
        'custom_unit_amount[minimum]',
        'custom_unit_amount[minimum] cannot exceed its maximum.',
      );
    }
    if (
      preset !== null &&
      ((minimum !== null && preset < minimum) || (maximum !== null && preset > maximum))
    ) {
      throw invalidParam(
        'custom_unit_amount[preset]',
        'custom_unit_amount[preset] must lie between its minimum and maximum.',
      );
    }
    return { billingScheme: 'custom', customUnitAmount: { minimum, maximum, preset } };
  }
  if (unitAmount === undefined) throw missingParam('unit_amount');
  return {
    billingScheme: 'per_unit',
    unitAmountDecimal: unitAmount,
    transformQuantity: transformParams ? readTransform(transformParams) : null,
  };
}

function readTransform(params: Params): { divideBy: number; round: 'up' | 'down' } {
  const divideBy = amountParam(params, 'divide_by', 'transform_quantity[divide_by]', 'integer');
  if (divideBy === undefined) throw missingParam('transform_quantity[divide_by]');
  if (Number(divideBy) < 1) {
    throw invalidParam(
      'transform_quantity[divide_by]',
      'Invalid positive integer',
      'parameter_invalid_integer',
    );
  }
  const round = params.round;
  if (round === undefined || round === '') throw missingParam('transform_quantity[round]');
  if (round !== 'up' && round !== 'down') {
    throw invalidParam(
      'transform_quantity[round]',
      'Invalid transform_quantity[round]: must be one of up, down',
    );
  }
  return { divideBy: Number(divideBy), round };
}

/** Tiers as Stripe accepts them: ascending `up_to`, the last one `inf`, and an amount on every tier. */
function readTiers(entries: Params[]): Extract<PriceScheme, { billingScheme: 'tiered' }>['tiers'] {
  let previous = -1;
  return entries.map((entry, index) => {
    const prefix = `tiers[${index}]`;
    const last = index === entries.length - 1;
    const rawUpTo = entry.up_to;
    if (rawUpTo === undefined || rawUpTo === '') throw missingParam(`${prefix}[up_to]`);
    let upTo: number | null;
    if (rawUpTo === 'inf') {
      if (!last) {
        throw invalidParam(`${prefix}[up_to]`, 'Only the last tier can have `up_to` set to `inf`.');
      }
      upTo = null;
    } else {
      if (typeof rawUpTo !== 'string' || !/^\d+$/.test(rawUpTo)) {
        throw invalidParam(
          `${prefix}[up_to]`,
          `Invalid up_to: ${String(rawUpTo)}. It must be a whole number, or \`inf\` for the last tier.`,
        );
      }
      upTo = Number(rawUpTo);
      if (last) throw invalidParam(`${prefix}[up_to]`, 'The last tier must have `up_to` set to `inf`.');
      if (upTo <= previous) {
        throw invalidParam(
          `${prefix}[up_to]`,
          'Tiers must be in ascending order of `up_to`, and no two tiers can have the same `up_to`.',
        );
      }
      previous = upTo;
    }
    const path = (name: string) => `${prefix}[${name}]`;
    const unitAmountDecimal = eitherAmount(entry, 'unit_amount', path);
    const flatAmountDecimal = eitherAmount(entry, 'flat_amount', path);
    if (flatAmountDecimal?.includes('.')) {
      throw invalidParam(
        `${prefix}[flat_amount_decimal]`,
        'flat_amount_decimal must represent a whole number of minor units.',
        'parameter_invalid_decimal',
      );
    }
    if (unitAmountDecimal === undefined && flatAmountDecimal === undefined) {
      throw invalidParam(prefix, 'An entry in the tiers array is missing an amount.');
    }
    return {
      upTo,
      unitAmountDecimal: unitAmountDecimal ?? null,
      flatAmountDecimal: flatAmountDecimal ?? null,
    };
  });
}

/** A lookup key belongs to one price; `transfer_lookup_key` moves it, as in Stripe. */
function claimLookupKey(call: ApiCall, key: string, transfer: boolean): void {
  for (const other of call.env.state.prices.values()) {
    if (other.lookup_key !== key) continue;
    if (!transfer) {
      throw invalidRequest(
        `A price (\`${other.id}\`) already uses that lookup key. Set \`transfer_lookup_key=true\` to move it to this price.`,
        { param: 'lookup_key' },
      );
    }
    call.env.update('price.updated', other, (p) => (p.lookup_key = null), call.at);
  }
}

function updatePrice(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const price = env.state.prices.get(arg(call, 'id'));
  if (!price) throw noSuch('price', arg(call, 'id'));
  const lookupKey = optionalString(params, 'lookup_key');
  if (lookupKey) claimLookupKey(call, lookupKey, optionalBoolean(params, 'transfer_lookup_key') ?? false);
  env.update(
    'price.updated',
    price,
    (p) => {
      const active = optionalBoolean(params, 'active');
      if (active !== undefined) p.active = active;
      const nickname = optionalString(params, 'nickname');
      if (nickname !== undefined) p.nickname = nickname || null;
      if (lookupKey !== undefined) p.lookup_key = lookupKey || null;
      p.metadata = applyMetadata(p.metadata, params);
    },
    at,
  );
  return env.render(price);
}

function listPrices(call: ApiCall): JsonObject {
  const { params } = call;
  const active = optionalBoolean(params, 'active');
  const productId = optionalString(params, 'product');
  const currency = optionalString(params, 'currency');
  const type = optionalString(params, 'type');
  const lookupKeys = optionalStringList(params, 'lookup_keys');
  const recurring = optionalObject(params, 'recurring');
  const interval = recurring ? optionalString(recurring, 'interval') : undefined;
  const created = optionalRange(params, 'created');
  const prices = [...call.env.state.prices.values()].filter(
    (price) =>
      (active === undefined || price.active === active) &&
      (!productId || idOf(price.product) === productId) &&
      (!currency || price.currency === currency) &&
      (!type || price.type === type) &&
      (!lookupKeys || (price.lookup_key !== null && lookupKeys.includes(price.lookup_key))) &&
      (!interval || price.recurring?.interval === interval) &&
      inRange(price.created, created),
  );
  return listPage(call.env, prices, params, '/v1/prices');
}

function createCoupon(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const percentOff = optionalNumber(params, 'percent_off');
  const amountOff = optionalInteger(params, 'amount_off');
  if ((percentOff === undefined) === (amountOff === undefined)) {
    throw invalidRequest('You must pass exactly one of percent_off or amount_off.', { param: 'percent_off' });
  }
  if (percentOff !== undefined && (percentOff <= 0 || percentOff > 100)) {
    throw invalidParam('percent_off', 'percent_off must be between 0 and 100.');
  }
  const currency = optionalString(params, 'currency');
  if (amountOff !== undefined && !currency) throw missingParam('currency');
  const duration = optionalEnum(params, 'duration', ['forever', 'once', 'repeating'] as const) ?? 'once';
  const months = optionalInteger(params, 'duration_in_months');
  if (duration === 'repeating' && months === undefined) throw missingParam('duration_in_months');
  const id = optionalString(params, 'id') ?? env.ids.token(8);
  if (env.state.coupons.has(id))
    throw invalidRequest('Coupon already exists.', { code: 'resource_already_exists', param: 'id' });
  const coupon = newCoupon({
    id,
    created: at,
    percentOff: percentOff ?? null,
    amountOff: amountOff ?? null,
    currency: currency?.toLowerCase() ?? null,
    duration,
    durationInMonths: months ?? null,
    name: optionalString(params, 'name') ?? null,
    maxRedemptions: optionalInteger(params, 'max_redemptions') ?? null,
    redeemBy: optionalInteger(params, 'redeem_by') ?? null,
    metadata: applyMetadata({}, params),
  });
  env.state.coupons.set(coupon.id, coupon);
  env.emit('coupon.created', env.render(coupon), at);
  return env.render(coupon);
}

function coupon(call: ApiCall) {
  const found = call.env.state.coupons.get(arg(call, 'id'));
  if (!found) throw noSuch('coupon', arg(call, 'id'));
  return found;
}

export const catalogRoutes: Route[] = [
  { method: 'POST', path: '/v1/products', handler: createProduct },
  {
    method: 'GET',
    path: '/v1/products',
    handler: (call) => {
      const active = optionalBoolean(call.params, 'active');
      const ids = optionalStringList(call.params, 'ids');
      const created = optionalRange(call.params, 'created');
      const products = [...call.env.state.products.values()].filter(
        (p) =>
          (active === undefined || p.active === active) &&
          (!ids || ids.includes(p.id)) &&
          inRange(p.created, created),
      );
      return listPage(call.env, products, call.params, '/v1/products');
    },
  },
  {
    method: 'GET',
    path: '/v1/products/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.products.values(),
        'products',
        ['active', 'created', 'description', 'name', 'shippable', 'url'],
        '/v1/products/search',
      ),
  },
  {
    method: 'GET',
    path: '/v1/products/:id',
    handler: (call) => call.env.render(product(call, arg(call, 'id'))),
  },
  { method: 'POST', path: '/v1/products/:id', handler: updateProduct },
  { method: 'POST', path: '/v1/prices', handler: (call) => call.env.render(makePrice(call, call.params)) },
  { method: 'GET', path: '/v1/prices', handler: listPrices },
  {
    method: 'GET',
    path: '/v1/prices/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.prices.values(),
        'prices',
        ['active', 'created', 'currency', 'lookup_key', 'product', 'type'],
        '/v1/prices/search',
      ),
  },
  {
    method: 'GET',
    path: '/v1/prices/:id',
    handler: (call) => call.env.render(call.billing.price(arg(call, 'id')) as Price),
  },
  { method: 'POST', path: '/v1/prices/:id', handler: updatePrice },
  { method: 'POST', path: '/v1/coupons', handler: createCoupon },
  {
    method: 'GET',
    path: '/v1/coupons',
    handler: (call) => {
      const created = optionalRange(call.params, 'created');
      const coupons = [...call.env.state.coupons.values()].filter((c) => inRange(c.created, created));
      return listPage(call.env, coupons, call.params, '/v1/coupons');
    },
  },
  { method: 'GET', path: '/v1/coupons/:id', handler: (call) => call.env.render(coupon(call)) },
  {
    method: 'POST',
    path: '/v1/coupons/:id',
    handler: (call) => {
      const found = coupon(call);
      call.env.update(
        'coupon.updated',
        found,
        (c) => {
          const name = optionalString(call.params, 'name');
          if (name !== undefined) c.name = name || null;
          c.metadata = applyMetadata(c.metadata ?? {}, call.params);
        },
        call.at,
      );
      return call.env.render(found);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/coupons/:id',
    handler: (call) => {
      const found = coupon(call);
      call.env.state.coupons.delete(found.id);
      call.env.emit('coupon.deleted', call.env.render(found), call.at);
      return { id: found.id, object: 'coupon', deleted: true };
    },
  },
];
