import type { Locator, Page } from 'playwright-core';

const WAIT_MS = 10_000;

/** Waits until the locator's text contains `text` (playwright-core has no `expect`; this is its small stand-in). */
export async function containsText(
  locator: Locator,
  text: string | RegExp,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  for (;;) {
    seen =
      (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? '';
    if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) return;
    if (Date.now() > deadline)
      throw new Error(`expected text ${String(text)}; the page shows: ${seen.slice(0, 800)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const visible = (locator: Locator) => locator.waitFor({ state: 'visible', timeout: WAIT_MS });
export const hidden = (locator: Locator) => locator.waitFor({ state: 'hidden', timeout: WAIT_MS });

/**
 * The sandbox story, step by step, done only the way a person does it: choosing who they are, typing in the
 * composer, filling modals and clicking buttons in the page. Each step takes a screenshot. Steps share a
 * {@link Story} and run in order; later steps are appended as the features they need land.
 */
export interface Story {
  page: Page;
  /** Saves a screenshot of the page for this step. */
  shot(name: string): Promise<void>;
  /** Filled in as the story goes. */
  knownProblemRef?: string;
  newProblemRef?: string;
}

export async function actAs(page: Page, realName: string): Promise<void> {
  const select = page.locator('#person');
  const value = await select.locator('option', { hasText: realName }).getAttribute('value');
  if (!value) throw new Error(`no sandbox person ${realName}`);
  await select.selectOption(value);
}

export async function openChannel(page: Page, label: string | RegExp): Promise<void> {
  await page.locator('nav.sidebar button.channel', { hasText: label }).first().click();
  await containsText(page.locator('.channel-title'), label);
}

export async function type(page: Page, text: string): Promise<void> {
  await page.locator('#composer').fill(text);
  await page.locator('#composer').press('Enter');
}

export function topModal(page: Page): Locator {
  return page.locator('.modal-layer:not(.confirm-layer) .modal');
}

export function inputBlock(modal: Locator, label: string): Locator {
  return modal.locator('.block.input', { has: modal.page().locator('.input-label', { hasText: label }) });
}

/** Types into an external select and picks the suggestion with this text. */
export async function pickSuggestion(block: Locator, query: string, option: string | RegExp): Promise<void> {
  await block.locator('.external-search').pressSequentially(query, { delay: 20 });
  await block.locator('.suggestion', { hasText: option }).first().click();
  await containsText(block.locator('.chip'), option);
}

/** The newest message in the open channel that contains the text. */
export function messageWith(page: Page, text: string | RegExp): Locator {
  return page.locator('#messages .message', { hasText: text }).last();
}

/** Step 1: an L1 agent escalates a duplicate charge, sees the known problem, links it, and gets the workaround. */
export async function l1EscalatesKnownDuplicateCharge(story: Story): Promise<void> {
  const { page } = story;
  await actAs(page, 'Lena Okafor');
  await openChannel(page, 'billing-intake');
  await type(page, '/escalate Customer was charged twice for the renewal');
  const modal = topModal(page);
  await visible(modal);
  await containsText(modal.locator('.modal-title'), /escalat/i);
  await pickSuggestion(inputBlock(modal, 'Customer'), 'corvid', 'Corvid Robotics');
  await inputBlock(modal, 'Category').locator('select').selectOption({ label: 'Duplicate charge' });
  await inputBlock(modal, 'What happens')
    .locator('textarea, input')
    .fill(
      'Two identical charges a few minutes apart on the same card; the gateway timed out on the first one.',
    );
  await story.shot('01-l1-escalation-form');
  await modal.locator('.modal-submit').click();
  await hidden(modal);

  await openChannel(page, 'Frontline — Messages');
  const card = messageWith(page, 'Corvid Robotics');
  await visible(card);
  const link = card.getByRole('button', { name: /^Link to PRB-\d+/ });
  await visible(link);
  story.knownProblemRef = ((await link.textContent()) ?? '').replace('Link to ', '').trim();
  await containsText(card, 'Renewal charged twice when the payment gateway times out');
  await story.shot('02-l1-card-with-known-problem');
  await link.click();
  await containsText(card, 'Linked to');
  await card.locator('.thread-link').click();
  const thread = page.locator('aside.thread');
  await visible(thread);
  await containsText(thread, 'Refund the extra charge');
  await story.shot('03-l1-linked-workaround-in-thread');
}

/** Step 2: another agent escalates something new and reports it as a new problem (with its confirm dialog). */
export async function anotherAgentReportsNewProblem(story: Story): Promise<void> {
  const { page } = story;
  await actAs(page, 'Tomás Varga');
  await openChannel(page, 'billing-intake');
  await type(page, '/escalate Seat count stays at 50 after removing five users');
  const modal = topModal(page);
  await visible(modal);
  await pickSuggestion(inputBlock(modal, 'Customer'), 'halcyon', 'Halcyon Freight');
  await inputBlock(modal, 'Category').locator('select').selectOption({ label: 'Overcharge dispute' });
  await inputBlock(modal, 'What happens')
    .locator('textarea, input')
    .fill('The admin removed five users on the 3rd; the next invoice still bills all fifty seats.');
  await modal.locator('.modal-submit').click();
  await hidden(modal);

  await openChannel(page, 'Frontline — Messages');
  const card = messageWith(page, 'Seat count stays at 50');
  await visible(card);
  await story.shot('04-l1b-new-case-card');
  await card.getByRole('button', { name: /report new problem/i }).click();
  const confirm = page.locator('.confirm-layer .modal');
  await visible(confirm);
  await story.shot('05-l1b-confirm-report-new-problem');
  await confirm.locator('.confirm-yes').click();
  await containsText(card, 'Reported as a new problem');
  const reference = /PRB-\d+/.exec((await card.textContent()) ?? '');
  if (reference) story.newProblemRef = reference[0];

  await openChannel(page, 'billing-incidents');
  await visible(messageWith(page, 'Seat count stays at 50 after removing five users'));
  await story.shot('06-triage-card-in-incidents');
}
