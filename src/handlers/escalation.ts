import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Deps } from '../deps.js';
import { CustomerSearchRefused, customerLabel } from '../domain/customers.js';
import {
  CATEGORIES,
  type Category,
  isIntakeRequest,
  PRIORITIES,
  type Priority,
  TRIGGERS,
  type Trigger,
  validateEscalation,
} from '../domain/escalation.js';
import { answerToMention, mentionsUser, readableText } from '../domain/mentions.js';
import { invalidInput } from '../errors.js';
import { createSlackMessenger } from '../integrations/slack/messenger.js';
import { fetchCustomerFacts } from '../integrations/stripe/customer-facts.js';
import { searchCustomers } from '../integrations/stripe/customers.js';
import { postOnce } from '../jobs/slack-post.js';
import {
  type EscalationContext,
  linkEscalation,
  recordEscalation,
  reportNewProblem,
  suggestForMessage,
} from '../services/escalation.js';
import { HOME_REFRESH_JOB } from '../services/home.js';
import { escalationModal } from '../views/escalation.js';
import {
  ESCALATION_IDS,
  type FormSource,
  parseEscalation,
  parseFormSource,
  parseHomeForm,
  parseIntakeMessage,
  parseLink,
} from '../views/escalation-actions.js';
import { cutAt } from '../views/mrkdwn.js';
import { answerWithin } from './answer-within.js';
import { checkedOf, selectedLabelOf, selectedOf, stateValues, textOf } from './view-state.js';

const { blocks: B, inputs: I, actions: A } = ESCALATION_IDS;

/** How long the customer menu waits for Stripe's search: Slack gives up on a menu answer after 3 s. */
const OPTIONS_BUDGET_MS = 1_500;

export function escalationContext(deps: Deps): EscalationContext {
  const { stripe, slack } = deps.integrations;
  return {
    db: deps.db,
    slack: createSlackMessenger(slack),
    jobs: deps.jobs,
    settings: deps.settings,
    directory: deps.directory,
    logger: deps.logger,
    now: deps.now,
    customerFacts: (customerId) => fetchCustomerFacts(stripe, customerId),
    postKeyed: (message) => postOnce(deps.db, slack, message),
    homesChanged: async (userIds) => {
      await deps.jobs.enqueue(deps.db, HOME_REFRESH_JOB, { userIds });
    },
  };
}

/** The known problems a card offered (its Link buttons), read off the message the agent clicked on. */
function offeredProblems(body: BlockAction, escalationId: number): number[] {
  const blocks = (body.message?.blocks ?? []) as Array<{
    accessory?: { action_id?: string; value?: string };
  }>;
  return blocks.flatMap((block) => {
    const button = block.accessory;
    if (!button?.action_id?.startsWith(`${A.link}_`)) return [];
    const link = parseLink(button.value ?? '');
    return link && link.e === escalationId ? [link.p] : [];
  });
}

/** The first line of a message becomes the summary (trimmed to fit), the whole message the details. */
function prefillFrom(text: string): { summary: string; details: string } {
  const clean = readableText(text)
    .replace(/^\s*escalate\b[:\s]*/i, '')
    .trim();
  const [first = ''] = clean.split('\n');
  return { summary: cutAt(first, 150), details: clean };
}

/** Three ways in (command, message shortcut, intake channel or mention), one form, one card. */
export function registerEscalation(app: App, deps: Deps, ctx: EscalationContext = escalationContext(deps)) {
  const intake = new Set(deps.settings.channels.intake);

  app.command('/escalate', async ({ command, ack }) => {
    await ack();
    const source: FormSource = { kind: 'command' };
    // The first line is the summary; text beyond it (a pasted report) goes to what happens, not away.
    const { summary, details } = prefillFrom(command.text);
    await ctx.slack.openView(
      command.trigger_id,
      escalationModal({ source, summary, ...(details !== summary ? { details } : {}) }),
    );
  });

  app.shortcut(ESCALATION_IDS.shortcut, async ({ shortcut, ack }) => {
    await ack();
    if (shortcut.type !== 'message_action') return;
    const message = shortcut.message as { text?: string; ts: string; thread_ts?: string };
    const source: FormSource = {
      kind: 'shortcut',
      channel: shortcut.channel.id,
      messageTs: message.ts,
      ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
    };
    await ctx.slack.openView(
      shortcut.trigger_id,
      escalationModal({
        source,
        ...prefillFrom(message.text ?? ''),
        evidenceNote: ':paperclip: The message you escalate from is kept as evidence.',
      }),
    );
  });

  app.message(async ({ message, context }) => {
    const m = message as {
      subtype?: string;
      bot_id?: string;
      thread_ts?: string;
      channel: string;
      ts: string;
      text?: string;
      user?: string;
    };
    const post = { ...m, botId: m.bot_id, threadTs: m.thread_ts };
    if (!isIntakeRequest(post, intake) || !m.text) return;
    // A post that mentions Frontline also arrives as `app_mention`: answer it there unless it is a plain intake post.
    const mentioned = context.botUserId !== undefined && mentionsUser(m.text, context.botUserId);
    if (mentioned && answerToMention(m.text, post, intake).kind !== 'intake') return;
    await suggestForMessage(ctx, {
      channel: m.channel,
      ts: m.ts,
      text: readableText(m.text),
      kind: 'intake',
    });
  });

  app.event('app_mention', async ({ event }) => {
    if (event.bot_id) return;
    const answer = answerToMention(
      event.text,
      { channel: event.channel, ts: event.ts, threadTs: event.thread_ts },
      intake,
    );
    if (answer.kind !== 'escalate') return;
    await suggestForMessage(ctx, {
      channel: event.channel,
      ts: event.thread_ts ?? event.ts,
      text: readableText(answer.text),
      kind: 'mention',
    });
  });

  app.action<BlockAction<ButtonAction>>(A.openForm, async ({ action, body, ack }) => {
    await ack();
    if (parseHomeForm(action.value)) {
      await ctx.slack.openView(body.trigger_id, escalationModal({ source: { kind: 'home' } }));
      return;
    }
    const target = parseIntakeMessage(action.value);
    if (!target) throw invalidInput('That button no longer points at a message.');
    const message = await ctx.slack.message(target.c, target.ts);
    const source: FormSource = {
      kind: target.k,
      channel: target.c,
      messageTs: target.ts,
      threadTs: target.ts,
    };
    await ctx.slack.openView(
      body.trigger_id,
      escalationModal({ source, ...prefillFrom(message?.text ?? '') }),
    );
  });

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${A.link}_\\d+$`), async ({ action, body, ack }) => {
    await ack();
    const target = parseLink(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await linkEscalation(ctx, { escalationId: target.e, problemId: target.p, actorId: body.user.id });
  });

  app.action<BlockAction<ButtonAction>>(A.reportNew, async ({ action, body, ack }) => {
    await ack();
    const target = parseEscalation(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await reportNewProblem(ctx, {
      escalationId: target.e,
      actorId: body.user.id,
      passedOver: offeredProblems(body, target.e),
    });
  });

  app.options(I.customer, async ({ options, ack }) => {
    // The menu can only show options: a search Stripe refuses or does not answer shows none. Only the latter is
    // worth a log line (a refused search is what the person typed).
    const searching = searchCustomers(deps.integrations.stripe, options.value, 20).catch((error: unknown) => {
      if (!(error instanceof CustomerSearchRefused))
        deps.logger.warn({ err: error }, 'customer search for the escalation form failed');
      return [];
    });
    // Slack drops a menu answer after 3 s (and the late one would fail): when Stripe is slower, the menu shows none
    // and the person types on, which asks again.
    const answered = await answerWithin(searching, OPTIONS_BUDGET_MS);
    if (!answered)
      deps.logger.info({ budgetMs: OPTIONS_BUDGET_MS }, 'customer search outlasted the menu; answered none');
    const found = answered ?? [];
    await ack({
      options: found.map((customer) => ({
        text: { type: 'plain_text', text: cutAt(customerLabel(customer), 75) },
        value: customer.id,
      })),
    });
  });

  app.view(ESCALATION_IDS.modal, async ({ view, body, ack }) => {
    const values = stateValues(view);
    const pick = <T extends string>(allowed: readonly T[], value: string | undefined, fallback: T): T =>
      allowed.includes(value as T) ? (value as T) : fallback;
    const result = validateEscalation({
      customerId: selectedOf(values, B.customer, I.customer),
      caseRef: textOf(values, B.caseRef, I.caseRef),
      priority: pick<Priority>(PRIORITIES, selectedOf(values, B.priority, I.priority), 'p3'),
      category: pick<Category>(CATEGORIES, selectedOf(values, B.category, I.category), 'other'),
      summary: textOf(values, B.summary, I.summary),
      details: textOf(values, B.details, I.details),
      reproductionSteps: textOf(values, B.reproduction, I.reproduction),
      evidenceText: textOf(values, B.evidence, I.evidence),
      triggers: checkedOf(values, B.triggers, I.triggers).filter((t): t is Trigger =>
        (TRIGGERS as readonly string[]).includes(t),
      ),
    });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors as Record<string, string> });
      return;
    }
    // Stored (with its intake queued) before the form closes; the slow part runs in the intake job.
    await recordEscalation(ctx, {
      escalation: result.value,
      requesterId: body.user.id,
      source: parseFormSource(view.private_metadata) ?? { kind: 'command' },
      customerLabel: selectedLabelOf(values, B.customer, I.customer),
    });
    await ack();
  });
}
