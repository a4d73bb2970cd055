import { z } from 'zod';
import { DEFAULT_POLICY } from '../domain/policy.js';
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
  })
  .prefault({});

const matchingSchema = z
  .strictObject({
    /** Matches below this confidence are not shown at all. */
    possibleThreshold: z.number().min(0).max(1).default(0.25),
    /** Matches at or above this confidence are presented as likely the same problem. */
    likelyThreshold: z.number().min(0).max(1).default(0.7),
  })
  .prefault({})
  .refine((matching) => matching.likelyThreshold >= matching.possibleThreshold, {
    message: 'likelyThreshold must be at least possibleThreshold',
  });

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
