import type { Locator } from 'playwright-core';
import { artifactPath } from '../support/browser.js';
import {
  actAs,
  containsText,
  hidden,
  messageWith,
  openChannel,
  pickSuggestion,
  type Story,
  topModal,
  type,
  visible,
} from './story.js';

/**
 * The second half of the sandbox story (`sandbox-story.test.ts`): incident, status update, account action with two
 * approvals, and the billing card. Like the first half, the steps only type and click in the page.
 */

/** Chooses a value in a modal field, whatever kind of element the feature used for it. */
export async function choose(modal: Locator, label: string | RegExp, value: string | RegExp): Promise<void> {
  const block = modal.locator('.block.input', {
    has: modal.page().locator('.input-label', { hasText: label }),
  });
  await visible(block);
  const kind = await block.locator('[data-element-type]').first().getAttribute('data-element-type');
  if (kind === 'radio_buttons' || kind === 'checkboxes') {
    await block.locator('label.choice', { hasText: value }).first().locator('input').check();
  } else if (kind === 'external_select' || kind === 'multi_external_select') {
    await pickSuggestion(block, typeof value === 'string' ? value : value.source, value);
  } else {
    const select = block.locator('select');
    const option = select.locator('option', { hasText: value }).first();
    const optionValue = await option.getAttribute('value');
    await select.selectOption(optionValue ?? '');
  }
}

export async function fill(modal: Locator, label: string | RegExp, text: string): Promise<void> {
  const block = modal.locator('.block.input', {
    has: modal.page().locator('.input-label', { hasText: label }),
  });
  await block.locator('textarea, input').first().fill(text);
}

/** Step 3 (needs: incidents — classification modal on the triage card). */
export async function engineerClassifiesAsIncident(story: Story): Promise<void> {
  const { page } = story;
  await actAs(page, 'Noor Haddad');
  await openChannel(page, 'billing-incidents');
  const triage = messageWith(page, 'Seat count stays at 50 after removing five users');
  await visible(triage);
  const classify = triage.getByRole('button', { name: /classify/i });
  if (await classify.count()) await classify.first().click();
  else await type(page, `/incident classify ${story.newProblemRef ?? ''}`.trim());
  const modal = topModal(page);
  await visible(modal);
  await choose(modal, /^Decision/, /^Incident/);
  await fill(modal, /^Public title/, 'Removed seats still billed');
  await fill(modal, /^Public summary/, 'Some invoices still bill for seats that were removed. We are on it.');
  await choose(modal, /^Affected components/, /Subscriptions/);
  // The policy suggests a bug for one customer; deciding otherwise needs a reason.
  await fill(modal, /^Reason/, 'Every customer who removes seats is billed for the old count.');
  await story.shot('07-engineer-classifies-incident');
  await modal.locator('.modal-submit').click();
  await hidden(modal);
  await containsText(page.locator('#messages'), /investigating/i);
  await story.shot('08-incident-declared');
}

/**
 * Step 4 (needs: incidents — status updates; status page — `/status`). The update reaches the incidents channel,
 * the thread of the linked escalation, and the public status page.
 */
export async function engineerPostsUpdate(story: Story, statusUrl: string): Promise<void> {
  const { page } = story;
  const update = 'We found the cause: removed seats are not synced to billing. A fix is being tested.';
  const incident = messageWith(page, /investigating/i);
  const postUpdate = incident.getByRole('button', { name: /post update/i });
  if (await postUpdate.count()) await postUpdate.first().click();
  else {
    const reference = /INC-\d+/.exec((await incident.textContent()) ?? '')?.[0] ?? '';
    await type(page, `/incident update ${reference}`.trim());
  }
  const modal = topModal(page);
  await visible(modal);
  await choose(modal, /^State/, /identified/i);
  await fill(modal, /^Public message/, update);
  await modal.locator('.modal-submit').click();
  await hidden(modal);
  await containsText(page.locator('#messages'), update);

  await actAs(page, 'Tomás Varga');
  await openChannel(page, 'Frontline — Messages');
  const card = messageWith(page, 'Seat count stays at 50');
  await card.locator('.thread-link').click();
  await containsText(page.locator('aside.thread'), update);
  await story.shot('09-update-in-escalation-thread');

  const browser = page.context().browser();
  if (!browser) throw new Error('the story needs a browser that can open a second page');
  const status = await browser.newPage();
  await status.goto(statusUrl);
  await containsText(status.locator('body'), update);
  await status.screenshot({ path: artifactPath('sandbox-story-10-update-on-status-page.png') });
  await status.close();
}

/** Step 5 (needs: billing card and account actions). An L2 agent asks for a $600 credit, above their own limit. */
export async function l2RequestsCredit(story: Story): Promise<void> {
  const { page } = story;
  await actAs(page, 'Priya Raman');
  await openChannel(page, 'billing-intake');
  await type(page, '/billing halcyon');
  const card = messageWith(page, 'Halcyon Freight Systems');
  await visible(card);
  await card
    .getByRole('button', { name: /^Actions/ })
    .first()
    .click();
  const modal = topModal(page);
  await visible(modal);
  await choose(modal, /What should happen/, /One-time credit/);
  await modal.locator('.modal-submit').click();
  await containsText(modal, /Amount in/);
  await fill(modal, /^Amount in/, '600');
  await fill(modal, /^Reason/, 'Goodwill for the seat overbilling while the incident is fixed');
  await story.shot('11-l2-requests-credit');
  await modal.locator('.modal-submit').click();
  // Above an L2's limit: the form answers that the request went to the approvers.
  const sent = page.locator('.modal-layer .modal', { hasText: 'Sent for approval' });
  await story.shot('11b-after-submit');
  await visible(sent);
  await sent.locator('.modal-close').click();
  await hidden(sent);
  await openChannel(page, 'billing-approvals');
  await containsText(page.locator('#messages'), '$600.00');
  await story.shot('12-approval-request');
}

/** Step 6 (needs: account actions — approvals). A billing specialist, then a VP approve; the credit runs once. */
export async function specialistAndVpApprove(story: Story): Promise<void> {
  const { page } = story;
  for (const [person, shot] of [
    ['Sofia Brandt', '13-billing-specialist-approves'],
    ['Dana Whitfield', '14-vp-approves'],
  ] as const) {
    await actAs(page, person);
    await openChannel(page, 'billing-approvals');
    const request = messageWith(page, '$600.00');
    await request
      .getByRole('button', { name: /^approve/i })
      .first()
      .click();
    const confirm = page.locator('.confirm-layer .modal');
    if (await confirm.isVisible()) await confirm.locator('.confirm-yes').click();
    await containsText(request, new RegExp(person.split(' ')[0] ?? person));
    await story.shot(shot);
  }
  await containsText(messageWith(page, '$600.00'), /approved|credited|done/i);
}

/** Step 7 (needs: billing card with credits). The credit shows in the customer's billing card. */
export async function creditVisibleInBillingCard(story: Story): Promise<void> {
  const { page } = story;
  await actAs(page, 'Priya Raman');
  await openChannel(page, 'billing-intake');
  await type(page, '/billing halcyon');
  await containsText(messageWith(page, /Available credit/), /Available credit\s*\$600\.00/);
  await story.shot('15-credit-in-billing-card');
}
