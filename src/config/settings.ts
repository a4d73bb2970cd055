import cronParser from 'cron-parser';
import { z } from 'zod';
import { normalizeRate } from '../domain/exchange-rates.js';
import { DEFAULT_MATCHING_THRESHOLDS } from '../domain/matching.js';
import { ACTION_KINDS, DEFAULT_PERMISSIONS, type PermissionMatrix } from '../domain/permissions.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { DEFAULT_PRIORITY_SETTINGS } from '../domain/priority.js';
import { ROLE_NAMES, type RoleName } from '../domain/roles.js';

/**
 * The YAML settings file (`FRONTLINE_CONFIG`, or ./frontline.yml when present). Every key is optional; the defaults
 * reproduce the source requirements. Unknown keys are refused so a typo never silently falls back to a default.
 */

const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'is not a Slack channel id; expected e.g. C0123ABCD');
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'is not a Slack user id; expected e.g. U0123ABCD');
const usergroupId = z
  .string()
  .regex(/^S[A-Z0-9]{2,}$/, 'is not a Slack user-group id; expected e.g. S0123ABCD');

const roleMembers = z.strictObject({
  users: z.array(userId).default([]),
  usergroups: z.array(usergroupId).default([]),
});

export { ROLE_NAMES };

const rolesSchema = z
  .strictObject({
    l1: roleMembers.prefault({}),
    l2: roleMembers.prefault({}),
    manager: roleMembers.prefault({}),
    billing_specialist: roleMembers.prefault({}),
    vp: roleMembers.prefault({}),
    legal: roleMembers.prefault({}),
    engineer: roleMembers.prefault({}),
  } satisfies Record<RoleName, unknown>)
  .prefault({});

const channelsSchema = z
  .strictObject({
    intake: z.array(channelId).default(['C0INTAKE']),
    incidents: channelId.default('C0INCIDENTS'),
    approvals: channelId.default('C0APPROVALS'),
    product: channelId.default('C0PRODUCT'),
    marketing: channelId.default('C0MARKETING'),
  })
  .prefault({});

const componentSchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{0,62}$/,
      'is not a component id; expected lowercase letters, digits and dashes',
    ),
  name: z.string().min(1).max(80),
  description: z.string().max(300).optional(),
});

const statusPageSchema = z
  .strictObject({
    title: z.string().min(1).max(120).default('Billing status'),
    components: z
      .array(componentSchema)
      .min(1)
      .default([
        { id: 'payments', name: 'Card payments' },
        { id: 'subscriptions', name: 'Subscriptions and renewals' },
        { id: 'invoicing', name: 'Invoices and receipts' },
        { id: 'billing-portal', name: 'Billing portal' },
        { id: 'refunds', name: 'Refunds and credits' },
      ]),
    /**
     * How long the public page may lag behind a change: within it, requests are answered from memory without asking
     * the database whether anything changed (what keeps a spike of visitors cheap). 0 asks on every request.
     */
    refreshSeconds: z.number().min(0).max(60).default(1),
  })
  .prefault({});

const matchingSchema = z
  .strictObject({
    /** Matches below this confidence are not shown at all. */
    possibleThreshold: z.number().min(0).max(1).default(DEFAULT_MATCHING_THRESHOLDS.possible),
    /** Matches at or above this confidence are presented as likely the same problem. */
    likelyThreshold: z.number().min(0).max(1).default(DEFAULT_MATCHING_THRESHOLDS.likely),
  })
  .prefault({})
  .refine((matching) => matching.likelyThreshold >= matching.possibleThreshold, {
    message: 'likelyThreshold must be at least possibleThreshold',
  });

/** The billing card and playbooks: policy numbers the drafted replies quote. */
const billingSchema = z
  .strictObject({
    /** A charge can be refunded by policy within this many days of being paid. */
    refundWindowDays: z.number().int().min(0).max(365).default(30),
    /**
     * No longer read: who reviews a refund follows `permissions` (its refund bands and refund pattern), which the
     * refund playbooks quote. Still accepted so a settings file that names it keeps loading.
     */
    refundReviewAboveMinor: z.number().int().min(0).optional(),
    /** How long an account stays active after a failed payment while the customer updates their card. */
    gracePeriodDays: z.number().int().min(0).max(90).default(7),
    /** Consecutive failed attempts after which the suspension warning and CSM outreach start (seed 003: 3). */
    suspensionAfterFailures: z.number().int().min(1).max(10).default(3),
    /** Two charges of one amount on one card within this many hours count as a duplicate. */
    duplicateWindowHours: z.number().int().min(1).max(168).default(24),
    /** Seat use below this share of purchased seats is a churn signal. */
    lowSeatUsePercent: z.number().int().min(0).max(100).default(50),
    /** How long a customer's billing picture is reused before Stripe is asked again. */
    cacheSeconds: z.number().int().min(0).max(3600).default(60),
    /** A part of the card Stripe has not answered within this time is shown as missing. */
    stripeTimeoutMs: z.number().int().min(100).max(30_000).default(2_000),
  })
  .prefault({});

/** A five-field cron expression in UTC, as the job queue reads it (checked here, not first when the app starts). */
const cronSchedule = z.string().superRefine((text, ctx) => {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({ code: 'custom', message: 'is not a cron schedule of five fields, like "*/10 * * * *"' });
    return;
  }
  try {
    cronParser.parseExpression(text, { tz: 'UTC' });
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a cron schedule (${error instanceof Error ? error.message : 'unreadable'})`,
    });
  }
});

const roleName = z.enum(ROLE_NAMES);
const permissionBandSchema = z
  .strictObject({
    below: z.number().nonnegative().optional(),
    upTo: z.number().nonnegative().optional(),
    run: z.array(roleName),
    alsoApprovedBy: z.enum(['vp', 'legal']).optional(),
  })
  .refine((band) => band.below === undefined || band.upTo === undefined, {
    message: 'give either below or upTo, not both',
  });
/** A band's limit, for ordering: `below: 100` ends before `upTo: 100`. */
const limitOf = (band: { below?: number | undefined; upTo?: number | undefined }) =>
  band.below !== undefined ? band.below - 0.5 : band.upTo;

/**
 * Bands are tried in order and the first that covers the measure applies, so they must rise, and the last must have
 * no limit: otherwise a measure above every limit would have no band, and one out of order would be read under a
 * lower band's roles.
 */
const actionPermissionSchema = z
  .strictObject({
    measure: z.enum(['none', 'amount', 'days', 'percent']),
    bands: z.array(permissionBandSchema).min(1),
  })
  .superRefine(({ measure, bands }, ctx) => {
    if (measure === 'none' && bands.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['bands'],
        message: 'an action measured in none has exactly one band',
      });
    bands.forEach((band, index) => {
      const limit = limitOf(band);
      const last = index === bands.length - 1;
      if (last && limit !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['bands', index],
          message: 'the last band has no limit (no below or upTo): it takes everything above the others',
        });
      if (!last && limit === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['bands', index],
          message: 'only the last band may be without a limit (below or upTo)',
        });
      const before = index > 0 ? limitOf(bands[index - 1] ?? {}) : undefined;
      if (limit !== undefined && before !== undefined && limit <= before)
        ctx.addIssue({
          code: 'custom',
          path: ['bands', index],
          message: 'bands are tried in order: each limit must be higher than the one before',
        });
    });
  });
/** The permission matrix; every part is optional and replaces the same part of seed 003's defaults. */
const permissionsSchema = z
  .strictObject({
    currency: z
      .string()
      .regex(/^[a-z]{3}$/, 'is not a currency code like usd')
      .optional(),
    viewers: z.array(roleName).optional(),
    requesters: z.array(roleName).optional(),
    refundPattern: z
      .strictObject({ count: z.number().int().min(0), days: z.number().int().min(1) })
      .optional(),
    actions: z.partialRecord(z.enum(ACTION_KINDS), actionPermissionSchema).optional(),
  })
  .prefault({})
  .transform(
    (given): PermissionMatrix => ({
      currency: given.currency ?? DEFAULT_PERMISSIONS.currency,
      viewers: given.viewers ?? DEFAULT_PERMISSIONS.viewers,
      requesters: given.requesters ?? DEFAULT_PERMISSIONS.requesters,
      refundPattern: given.refundPattern ?? DEFAULT_PERMISSIONS.refundPattern,
      actions: { ...DEFAULT_PERMISSIONS.actions, ...given.actions } as PermissionMatrix['actions'],
    }),
  );

const accountActionsSchema = z
  .strictObject({
    /** Hours an approval request waits before it expires. */
    approvalHours: z
      .number()
      .positive()
      .max(24 * 14)
      .default(24),
    /** Stripe customer metadata keys that agents may clear with "clear billing flag". */
    billingFlags: z
      .array(z.string().regex(/^[a-z0-9_]{1,40}$/, 'is not a metadata key (lowercase letters, digits, _)'))
      .default(['payment_monitoring', 'suspension_warning', 'collections_hold']),
  })
  .prefault({});

const weight = z.number().min(0).max(1000);
const unit = z.number().min(0).max(1);
const currencyCode = z.string().regex(/^[a-z]{3}$/, 'is not a currency code like usd');
/**
 * An exchange rate: what one major unit of a currency is worth in major units of the base currency (eur: 1.08 with
 * base usd). Given as a YAML number or as decimal text ("0.00071"); kept as exact decimal text, never a float.
 */
const exchangeRate = z.union([z.number(), z.string()]).transform((value, context) => {
  const rate = normalizeRate(value);
  if (rate === undefined) {
    context.addIssue({
      code: 'custom',
      message:
        'is not an exchange rate; expected a positive decimal with at most 18 decimal places, e.g. 1.08',
    });
    return z.NEVER;
  }
  return rate;
});
const prioritySchema = z
  .strictObject({
    /**
     * The currency of every MRR threshold: `fullSize.mrrMinor`, `fullImpact.mrrMinor` and
     * `notifications.largeImpact.mrrMinor` are minor units of it.
     */
    currency: currencyCode.default(DEFAULT_PRIORITY_SETTINGS.currency),
    /**
     * Currency code → rate into `currency`. Revenue in a currency without a rate is never compared or added raw: it
     * is left out of the MRR measures (size counts that customer's seats only) and the explanation names it.
     */
    exchangeRates: z.record(currencyCode, exchangeRate).default({}),
    weights: z
      .strictObject({
        size: weight.default(DEFAULT_PRIORITY_SETTINGS.weights.size),
        segment: weight.default(DEFAULT_PRIORITY_SETTINGS.weights.segment),
        age: weight.default(DEFAULT_PRIORITY_SETTINGS.weights.age),
        impact: weight.default(DEFAULT_PRIORITY_SETTINGS.weights.impact),
      })
      .prefault({}),
    segmentValues: z
      .strictObject({
        enterprise: unit.default(DEFAULT_PRIORITY_SETTINGS.segmentValues.enterprise),
        hybrid: unit.default(DEFAULT_PRIORITY_SETTINGS.segmentValues.hybrid),
        self_serve: unit.default(DEFAULT_PRIORITY_SETTINGS.segmentValues.self_serve),
        unknown: unit.default(DEFAULT_PRIORITY_SETTINGS.segmentValues.unknown),
      })
      .prefault({}),
    fullSize: z
      .strictObject({
        mrrMinor: z.number().int().positive().default(DEFAULT_PRIORITY_SETTINGS.fullSize.mrrMinor),
        seats: z.number().int().positive().default(DEFAULT_PRIORITY_SETTINGS.fullSize.seats),
      })
      .prefault({}),
    fullAgeYears: z.number().positive().default(DEFAULT_PRIORITY_SETTINGS.fullAgeYears),
    /** Stripe price or product id → segment, for customers whose metadata names none. */
    planSegments: z.record(z.string().min(1), z.enum(['enterprise', 'hybrid', 'self_serve'])).default({}),
    fullImpact: z
      .strictObject({
        customers: z.number().int().positive().default(DEFAULT_PRIORITY_SETTINGS.fullImpact.customers),
        mrrMinor: z.number().int().positive().default(DEFAULT_PRIORITY_SETTINGS.fullImpact.mrrMinor),
      })
      .prefault({}),
  })
  .prefault({})
  .refine((priority) => !(priority.currency in priority.exchangeRates), {
    message: 'exchangeRates names the base currency (priority.currency); it needs no rate',
    path: ['exchangeRates'],
  });

const jiraSchema = z
  .strictObject({
    /** The Jira issue type of an RCA ticket, per classification. */
    issueTypes: z
      .strictObject({
        bug: z.string().min(1).default('Bug'),
        incident: z.string().min(1).default('Incident'),
      })
      .prefault({}),
    /** Statuses that mean the fix is released (besides any status in Jira's "done" category). */
    doneStatuses: z.array(z.string().min(1)).default(['Done']),
    /** How often missed webhooks are caught up (cron, UTC). */
    reconcileSchedule: cronSchedule.default('*/10 * * * *'),
  })
  .prefault({});

const notificationsSchema = z
  .strictObject({
    /**
     * A problem this large is announced to marketing so customer messaging can be prepared; `mrrMinor` is minor
     * units of `priority.currency`, other currencies count only through `priority.exchangeRates`.
     */
    largeImpact: z
      .strictObject({
        customers: z.number().int().positive().default(25),
        mrrMinor: z.number().int().positive().default(1_000_000),
      })
      .prefault({}),
  })
  .prefault({});

const minutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60);

/** The bug-or-incident policy's thresholds (see `domain/policy.ts`). */
const policySchema = z
  .strictObject({
    financialIncidentCustomers: z.number().int().min(1).default(DEFAULT_POLICY.financialIncidentCustomers),
    largeImpactCustomers: z.number().int().min(1).default(DEFAULT_POLICY.largeImpactCustomers),
    sev2Customers: z.number().int().min(1).default(DEFAULT_POLICY.sev2Customers),
    sev1Customers: z.number().int().min(1).default(DEFAULT_POLICY.sev1Customers),
  })
  .prefault({});

const incidentsSchema = z
  .strictObject({
    /** Who may classify problems, declare incidents and post status updates. */
    responderRoles: z.array(z.enum(ROLE_NAMES)).min(1).default(['engineer', 'manager']),
    /** Silence (minutes without an update) after which an open incident's owner is reminded, per severity. */
    reminderMinutes: z
      .strictObject({
        sev1: minutes.default(30),
        sev2: minutes.default(60),
        sev3: minutes.default(240),
        sev4: minutes.default(1440),
      })
      .prefault({}),
    /** Create a channel `inc-<number>-<slug>` for every incident and invite its owner. */
    dedicatedChannel: z.boolean().default(false),
  })
  .prefault({});

export const settingsSchema = z
  .strictObject({
    channels: channelsSchema,
    roles: rolesSchema,
    statusPage: statusPageSchema,
    matching: matchingSchema,
    billing: billingSchema,
    permissions: permissionsSchema,
    accountActions: accountActionsSchema,
    priority: prioritySchema,
    jira: jiraSchema,
    notifications: notificationsSchema,
    policy: policySchema,
    incidents: incidentsSchema,
  })
  .superRefine((settings, context) => {
    const ids = settings.statusPage.components.map((component) => component.id);
    const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
    for (const id of new Set(repeated)) {
      context.addIssue({
        code: 'custom',
        path: ['statusPage', 'components'],
        message: `component id "${id}" appears twice`,
      });
    }
  });

export type Settings = z.output<typeof settingsSchema>;
export type StatusComponent = z.output<typeof componentSchema>;
