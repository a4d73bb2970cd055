import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { Deps } from '../deps.js';
import { readCustomerQuery } from '../domain/customers.js';
import { PLAYBOOK_LABELS, type PlaybookKind } from '../domain/playbooks.js';
import { invalidInput } from '../errors.js';
import { createStripeBillingPort } from '../integrations/stripe/billing.js';
import {
  type BillingServiceContext,
  checkBillingViewer,
  getBillingContext,
  getLifecycle,
  type KnownFacts,
  summariseBillingContext,
} from '../services/billingContext.js';
import { runPlaybook } from '../services/billingPlaybooks.js';
import { findCustomers } from '../services/customers.js';
import {
  BILLING_IDS,
  parseCustomerId,
  parsePlaybookActionId,
  parsePlaybookMetadata,
} from '../views/billing-actions.js';
import {
  BILLING_USAGE,
  billingCardMessage,
  billingCardModal,
  customerPickList,
  lifecycleModal,
  noCustomerMessage,
  playbookModal,
} from '../views/billingCard.js';
import { openWhileLoading } from './modal-loading.js';

const { actions: A } = BILLING_IDS;

export function billingServiceContext(deps: Deps): BillingServiceContext {
  return {
    port: createStripeBillingPort(deps.integrations.stripe),
    settings: deps.settings,
    logger: deps.logger,
    now: deps.now,
  };
}

/** `/billing <customer>`, the billing card, its Lifecycle view and the six playbooks. */
export function registerBilling(
  app: App,
  deps: Deps,
  ctx: BillingServiceContext = billingServiceContext(deps),
) {
  const slack = deps.integrations.slack;
  const viewer = (userId: string) => checkBillingViewer(deps.directory, ctx.settings, userId);
  const card = async (customerId: string, known?: KnownFacts) =>
    summariseBillingContext(await getBillingContext(ctx, customerId, known), ctx.settings.billing, ctx.now());

  app.command('/billing', async ({ command, ack, respond }) => {
    await ack();
    await viewer(command.user_id);
    const query = command.text.trim();
    if (!query) {
      await respond({ response_type: 'ephemeral', text: BILLING_USAGE });
      return;
    }
    // A customer id goes straight to the card: the card reads the customer anyway, so no search round trip.
    const direct = readCustomerQuery(query);
    if (direct?.kind === 'id') {
      const model = await card(direct.id);
      if (model.customer.ok && !model.customer.value)
        await respond({ response_type: 'ephemeral', text: noCustomerMessage(query) });
      else await respond({ response_type: 'ephemeral', ...billingCardMessage(model) });
      return;
    }
    const found = await findCustomers((text) => ctx.port.search(text), query);
    const [only] = found;
    if (!only) await respond({ response_type: 'ephemeral', text: noCustomerMessage(query) });
    else if (found.length > 1)
      await respond({
        response_type: 'ephemeral',
        ...customerPickList(
          query,
          found.map((f) => f.summary),
        ),
      });
    else {
      // The search already read the customer and its subscription: the card asks Stripe in one round trip more.
      const model = await card(only.summary.id, only.known);
      await respond({ response_type: 'ephemeral', ...billingCardMessage(model) });
    }
  });

  app.action<BlockAction<StaticSelectAction>>(A.pickCustomer, async ({ action, body, ack, respond }) => {
    await ack();
    await viewer(body.user.id);
    const customerId = parseCustomerId(action.selected_option?.value);
    if (!customerId) throw invalidInput('That choice is not a Stripe customer.');
    await respond({
      response_type: 'ephemeral',
      replace_original: true,
      ...billingCardMessage(await card(customerId)),
    });
  });

  app.action<BlockAction<ButtonAction>>(A.openFromEscalation, async ({ action, body, ack }) => {
    await ack();
    const customerId = parseCustomerId(action.value);
    if (!customerId) throw invalidInput('This escalation has no Stripe customer.');
    await viewer(body.user.id);
    await openWhileLoading(slack, deps.logger, body, 'Billing context', async () =>
      billingCardModal(await card(customerId)),
    );
  });

  app.action<BlockAction<ButtonAction>>(A.lifecycle, async ({ action, body, ack }) => {
    await ack();
    const customerId = parseCustomerId(action.value);
    if (!customerId) throw invalidInput('That button does not name a Stripe customer.');
    await viewer(body.user.id);
    await openWhileLoading(slack, deps.logger, body, 'Lifecycle', async () =>
      lifecycleModal(await getLifecycle(ctx, customerId)),
    );
  });

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${A.playbookPrefix}`), async ({ action, body, ack }) => {
    await ack();
    const kind: PlaybookKind | undefined = parsePlaybookActionId(action.action_id);
    const customerId = parseCustomerId(action.value);
    if (!kind || !customerId) throw invalidInput('That playbook button is not valid any more.');
    await viewer(body.user.id);
    await openWhileLoading(slack, deps.logger, body, PLAYBOOK_LABELS[kind], async () =>
      playbookModal(
        await runPlaybook(ctx, { customerId, kind, viewerRoles: await deps.directory.rolesOf(body.user.id) }),
      ),
    );
  });

  // Inside a playbook: the target plan (change plan) or the invoice period (tax invoice) was chosen.
  const refine = async (body: BlockAction<StaticSelectAction>, action: StaticSelectAction) => {
    const metadata = parsePlaybookMetadata(body.view?.private_metadata);
    if (!metadata || !body.view) throw invalidInput('This playbook is not valid any more; open it again.');
    await viewer(body.user.id);
    const choice = action.selected_option?.value;
    const model = await runPlaybook(ctx, {
      customerId: metadata.customer,
      kind: metadata.kind,
      viewerRoles: await deps.directory.rolesOf(body.user.id),
      ...(metadata.kind === 'change_plan' ? { targetPriceId: choice } : { invoiceId: choice }),
    });
    await slack.views.update({ view_id: body.view.id, hash: body.view.hash, view: playbookModal(model) });
  };
  app.action<BlockAction<StaticSelectAction>>(A.planTarget, async ({ action, body, ack }) => {
    await ack();
    await refine(body, action);
  });
  app.action<BlockAction<StaticSelectAction>>(A.taxInvoice, async ({ action, body, ack }) => {
    await ack();
    await refine(body, action);
  });
}
