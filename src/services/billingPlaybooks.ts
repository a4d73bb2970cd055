import { mainSubscription, splitPlan } from '../domain/billing.js';
import {
  changePlanPlaybook,
  chargedTwicePlaybook,
  overchargedPlaybook,
  type PlanChoice,
  type PlaybookKind,
  type PlaybookModel,
  paymentFailedPlaybook,
  pickTaxInvoice,
  refundRequestPlaybook,
  taxInvoiceCandidates,
  taxInvoicePlaybook,
} from '../domain/playbooks.js';
import type { RoleName } from '../domain/roles.js';
import { notFound, upstreamFailed } from '../errors.js';
import { type BillingServiceContext, getBillingContext, type Part } from './billingContext.js';

export interface PlaybookRequest {
  customerId: string;
  kind: PlaybookKind;
  /** The roles of the person reading: what a refund takes is said for them, by the permission matrix. */
  viewerRoles: readonly RoleName[];
  /** Change plan: the price the customer wants. */
  targetPriceId?: string | undefined;
  /** Tax invoice: the invoice of the period asked for. */
  invoiceId?: string | undefined;
}

function need<T>(value: Part<T>, what: string): T {
  if (!value.ok)
    throw upstreamFailed(`Stripe did not give us the ${what} (${value.reason}); try again in a moment.`);
  return value.value;
}

/** Runs one playbook on the customer's billing picture (cached), asking Stripe only for what the picture lacks. */
export async function runPlaybook(
  ctx: BillingServiceContext,
  request: PlaybookRequest,
): Promise<PlaybookModel> {
  const context = await getBillingContext(ctx, request.customerId);
  const customer = need(context.customer, 'customer');
  if (!customer) throw notFound(`No Stripe customer ${request.customerId}.`);
  const now = ctx.now();
  const { billing } = ctx.settings;
  const approval = { permissions: ctx.settings.permissions, viewerRoles: request.viewerRoles };
  const base = {
    customerId: customer.id,
    customerName: customer.name || customer.id,
    choices: [],
    selected: undefined,
  };
  switch (request.kind) {
    case 'charged_twice':
      return {
        ...base,
        result: chargedTwicePlaybook({
          charges: need(context.charges, 'payments').charges,
          windowHours: billing.duplicateWindowHours,
          approval,
          now,
        }),
      };
    case 'payment_failed':
      return {
        ...base,
        result: paymentFailedPlaybook({
          invoices: need(context.invoices, 'invoices').invoices,
          charges: need(context.charges, 'payments').charges,
          card: customer.defaultCard,
          gracePeriodDays: billing.gracePeriodDays,
          suspensionAfterFailures: billing.suspensionAfterFailures,
          now,
        }),
      };
    case 'refund_request':
      return {
        ...base,
        result: refundRequestPlaybook({
          charges: need(context.charges, 'payments').charges,
          policy: { windowDays: billing.refundWindowDays },
          approval,
          now,
        }),
      };
    case 'overcharged': {
      const subscriptions = need(context.subscriptions, 'subscriptions');
      const addOns = new Set(
        subscriptions.flatMap((s) => s.items.filter((i) => i.addOn).map((i) => i.productId)),
      );
      return {
        ...base,
        result: overchargedPlaybook({
          invoices: need(context.invoices, 'invoices').invoices,
          addOnProducts: addOns,
          upcoming: context.upcoming.ok ? context.upcoming.value : undefined,
        }),
      };
    }
    case 'tax_invoice': {
      const invoices = need(context.invoices, 'invoices').invoices;
      const result = taxInvoicePlaybook({ invoices, invoiceId: request.invoiceId });
      const candidates = taxInvoiceCandidates(invoices).slice(0, 24);
      return {
        ...base,
        result,
        choices: candidates.map((invoice) => ({
          value: invoice.id,
          label: `${invoice.number ?? invoice.id} · ${invoice.periodStart.toISOString().slice(0, 10)}`,
        })),
        selected: pickTaxInvoice(invoices, request.invoiceId)?.id,
      };
    }
    case 'change_plan': {
      const subscription = mainSubscription(need(context.subscriptions, 'subscriptions'));
      const current = subscription ? splitPlan(subscription).plan : undefined;
      const plans = await ctx.port.plans();
      const options = plans.filter((plan) => plan.priceId !== current?.priceId);
      const chosen = options.find((plan) => plan.priceId === request.targetPriceId);
      const target: PlanChoice | undefined = chosen
        ? { ...chosen, name: chosen.nickname ?? chosen.productName }
        : undefined;
      const preview =
        target && subscription && current
          ? await ctx.port.previewPlanChange({
              subscriptionId: subscription.id,
              itemId: current.itemId,
              priceId: target.priceId,
              quantity: target.pricing?.scheme === 'metered' ? undefined : current.quantity,
            })
          : undefined;
      return {
        ...base,
        result: changePlanPlaybook({ subscription, current, target, preview }),
        choices: options.map((plan) => ({ value: plan.priceId, label: plan.nickname ?? plan.productName })),
        selected: target?.priceId,
      };
    }
  }
}

export type { PlaybookModel } from '../domain/playbooks.js';
