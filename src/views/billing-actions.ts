import { z } from 'zod';
import { PLAYBOOKS, type PlaybookKind } from '../domain/playbooks.js';

/**
 * The Slack ids of the billing context feature and the values its buttons and modals carry, with paired
 * encode/parse functions. Everything read back from Slack is parsed, never trusted.
 */
export const BILLING_IDS = {
  modals: {
    card: 'billing_card',
    lifecycle: 'billing_lifecycle',
    playbook: 'billing_playbook',
  },
  actions: {
    /** On every escalation card; value = customer id. */
    openFromEscalation: 'billing_context_open',
    /** Several customers matched: the agent picks one; option value = customer id. */
    pickCustomer: 'billing_customer_pick',
    lifecycle: 'billing_lifecycle_open',
    /** `billing_playbook_<kind>`; value = customer id. */
    playbookPrefix: 'billing_playbook_',
    planTarget: 'billing_plan_target',
    taxInvoice: 'billing_tax_invoice',
    /** Handled by the account actions feature; value = `{"customer":"cus_…","preset"?:{…}}`. */
    accountActions: 'account_actions_open',
  },
} as const;

const customerId = z.string().regex(/^cus_[A-Za-z0-9]+$/);

export const parseCustomerId = (value: string | undefined): string | undefined =>
  customerId.safeParse(value?.trim()).data;

export const playbookActionId = (kind: PlaybookKind) => `${BILLING_IDS.actions.playbookPrefix}${kind}`;
export function parsePlaybookActionId(actionId: string): PlaybookKind | undefined {
  const kind = actionId.slice(BILLING_IDS.actions.playbookPrefix.length);
  return (PLAYBOOKS as readonly string[]).includes(kind) ? (kind as PlaybookKind) : undefined;
}

/** The value the account actions feature reads: which customer, and optionally an action to start with. */
export interface AccountActionsValue {
  customer: string;
  preset?: { kind: 'refund'; chargeId: string; amountMinor: number; currency: string };
}
export const encodeAccountActions = (value: AccountActionsValue) => JSON.stringify(value);

const playbookMetadata = z.object({ customer: customerId, kind: z.enum(PLAYBOOKS) });
export type PlaybookMetadata = z.infer<typeof playbookMetadata>;
export const encodePlaybookMetadata = (value: PlaybookMetadata) => JSON.stringify(value);
export function parsePlaybookMetadata(value: string | undefined): PlaybookMetadata | undefined {
  if (!value) return undefined;
  try {
    return playbookMetadata.safeParse(JSON.parse(value)).data;
  } catch {
    return undefined;
  }
}
