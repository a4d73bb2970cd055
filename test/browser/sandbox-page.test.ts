import { createServer } from 'node:http';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { queryRows } from '../../src/db/client.js';
import type { SlackFake } from '../../src/sandbox/fakes/slack-fake.js';
import { eventually, startTestApp } from '../support/app.js';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { type Sandbox, startSandbox } from '../support/sandbox.js';
import { actAs, containsText, hidden, openChannel, topModal, visible } from './story.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (value: string, text: string) => ({ text: plain(text), value });

describe('the sandbox page renders Block Kit and answers as Slack would', () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;
  let fake: SlackFake;
  const LENA = 'U0SBXL1';

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandbox('pglite'), launchBrowser()]);
    fake = sandbox.running.sandbox.slack?.fake as SlackFake;
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${sandbox.url}/sandbox`);
    await actAs(page, 'Lena Okafor');
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it('shows every message block, mrkdwn, and anything unknown as readable text; buttons ask to confirm', async () => {
    const slack = sandbox.running.deps.integrations.slack;
    await slack.chat.postMessage({
      channel: 'C0PRODUCT',
      text: 'Kitchen sink',
      blocks: [
        { type: 'header', text: plain('Block Kit check') },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*bold* _italic_ ~struck~ `code` <https://example.com|a link> <@U0SBXL2> <#C0INTAKE>',
          },
          fields: [
            { type: 'mrkdwn', text: '*Field one*\n1' },
            { type: 'mrkdwn', text: '*Field two*\n2' },
          ],
          accessory: {
            type: 'overflow',
            action_id: 'kit_overflow',
            options: [option('first', 'First choice'), option('second', 'Second choice')],
          },
        },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Context line' }] },
        { type: 'image', image_url: 'https://example.com/chart.png', alt_text: 'A chart of refunds' },
        {
          type: 'actions',
          block_id: 'kit_actions',
          elements: [
            {
              type: 'button',
              action_id: 'kit_danger',
              style: 'danger',
              text: plain('Delete it'),
              value: 'x',
              confirm: {
                title: plain('Really?'),
                text: plain('This cannot be undone.'),
                confirm: plain('Yes, delete'),
                deny: plain('Keep it'),
              },
            },
            {
              type: 'static_select',
              action_id: 'kit_select',
              placeholder: plain('Pick one'),
              options: [option('a', 'Alpha'), option('b', 'Beta')],
            },
          ],
        },
        { type: 'table', rows: [[{ type: 'raw_text', text: 'Cell text survives' }]] },
      ],
    });
    await openChannel(page, 'product');
    const message = page.locator('#messages .message', { hasText: 'Block Kit check' });
    await visible(message);
    expect(await message.locator('b', { hasText: 'bold' }).count()).toBe(1);
    expect(await message.locator('i', { hasText: 'italic' }).count()).toBe(1);
    expect(await message.locator('s', { hasText: 'struck' }).count()).toBe(1);
    expect(await message.locator('code', { hasText: 'code' }).count()).toBe(1);
    expect(await message.locator('a[href="https://example.com"]').textContent()).toBe('a link');
    await containsText(message, '@Priya Raman');
    await containsText(message, '#billing-intake');
    await containsText(message, 'Field two');
    await containsText(message, 'A chart of refunds');
    await containsText(message, 'Cell text survives');
    await page.screenshot({ path: artifactPath('sandbox-page-block-kit.png') });

    // What the app receives from these elements (a listener added for this test).
    const received: Array<{ action_id: string; value?: string; selected_option?: { value: string } }> = [];
    sandbox.running.app.bolt.action(/^kit_/, async ({ ack, action }) => {
      await ack();
      received.push(action as (typeof received)[number]);
    });
    // The confirm dialog: denying sends nothing; confirming sends the click.
    await message.getByRole('button', { name: 'Delete it' }).click();
    await page.locator('.confirm-layer .confirm-no').click();
    await hidden(page.locator('.confirm-layer .modal'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(0);
    await message.getByRole('button', { name: 'Delete it' }).click();
    await containsText(page.locator('.confirm-layer .modal'), 'This cannot be undone.');
    await page.locator('.confirm-layer .confirm-yes').click();
    await message.getByRole('button', { name: 'More actions' }).click();
    await message.locator('.overflow-item', { hasText: 'Second choice' }).click();
    await message.locator('select[data-action-id="kit_select"]').selectOption('b');
    await eventually(() => received.length === 3);
    expect(received).toEqual([
      expect.objectContaining({ action_id: 'kit_danger', value: 'x' }),
      expect.objectContaining({
        action_id: 'kit_overflow',
        selected_option: expect.objectContaining({ value: 'second' }),
      }),
      expect.objectContaining({
        action_id: 'kit_select',
        selected_option: expect.objectContaining({ value: 'b' }),
      }),
    ]);
  });

  it('modal inputs produce the state Slack sends; field errors show under their fields; the stack pushes and pops', async () => {
    const slack = sandbox.running.deps.integrations.slack;
    const opened = await slack.views.open({
      trigger_id: fake.issueTrigger(LENA),
      view: {
        type: 'modal',
        callback_id: 'kit_modal',
        title: plain('Every input'),
        submit: plain('Save'),
        close: plain('Cancel'),
        blocks: [
          {
            type: 'input',
            block_id: 'b_text',
            label: plain('Short text'),
            element: { type: 'plain_text_input', action_id: 'a_text' },
          },
          {
            type: 'input',
            block_id: 'b_multi',
            label: plain('Long text'),
            optional: true,
            element: { type: 'plain_text_input', action_id: 'a_multi', multiline: true },
          },
          {
            type: 'input',
            block_id: 'b_number',
            label: plain('Amount'),
            element: { type: 'number_input', action_id: 'a_number', is_decimal_allowed: true },
          },
          {
            type: 'input',
            block_id: 'b_url',
            label: plain('Link'),
            element: { type: 'url_text_input', action_id: 'a_url' },
          },
          {
            type: 'input',
            block_id: 'b_email',
            label: plain('Email'),
            element: { type: 'email_text_input', action_id: 'a_email' },
          },
          {
            type: 'input',
            block_id: 'b_static',
            label: plain('Plan'),
            element: {
              type: 'static_select',
              action_id: 'a_static',
              options: [option('pro', 'Pro'), option('team', 'Team')],
            },
          },
          {
            type: 'input',
            block_id: 'b_user',
            label: plain('Approver'),
            element: { type: 'users_select', action_id: 'a_user' },
          },
          {
            type: 'input',
            block_id: 'b_channel',
            label: plain('Channel'),
            element: { type: 'conversations_select', action_id: 'a_channel' },
          },
          {
            type: 'input',
            block_id: 'b_checks',
            label: plain('Checks'),
            element: {
              type: 'checkboxes',
              action_id: 'a_checks',
              options: [option('one', 'One'), option('two', 'Two')],
            },
          },
          {
            type: 'input',
            block_id: 'b_radio',
            label: plain('Severity'),
            element: {
              type: 'radio_buttons',
              action_id: 'a_radio',
              options: [option('low', 'Low'), option('high', 'High')],
            },
          },
          {
            type: 'input',
            block_id: 'b_date',
            label: plain('Date'),
            element: { type: 'datepicker', action_id: 'a_date' },
          },
        ],
      },
    });
    const viewId = String(opened.view?.id);
    const modal = topModal(page);
    await visible(modal);
    // Submitting with the required fields empty: the Slack client's own errors, under their fields.
    await modal.locator('.modal-submit').click();
    await visible(modal.locator('[data-block-id="b_text"] .field-error'));
    expect(await modal.locator('[data-block-id="b_multi"] .field-error').count()).toBe(0);
    await page.screenshot({ path: artifactPath('sandbox-page-modal-errors.png') });

    await modal.locator('[data-action-id="a_text"]').fill('Hello');
    await modal.locator('[data-action-id="a_multi"]').fill('Line one\nLine two');
    await modal.locator('[data-action-id="a_number"]').fill('12.5');
    await modal.locator('[data-action-id="a_url"]').fill('https://example.com/x');
    await modal.locator('[data-action-id="a_email"]').fill('a@example.com');
    await modal.locator('[data-action-id="a_static"]').selectOption('team');
    await modal.locator('[data-action-id="a_user"]').selectOption('U0SBXVP');
    await modal.locator('[data-action-id="a_channel"]').selectOption('C0APPROVALS');
    await modal.locator('[data-block-id="b_checks"] input[value="two"]').check();
    await modal.locator('[data-block-id="b_radio"] input[value="high"]').check();
    await modal.locator('[data-action-id="a_date"]').fill('2026-12-01');
    await modal.locator('.modal-submit').click();
    // No app handles this made-up modal; what matters is the state the driver sent, which the fake keeps.
    const values = await eventually(() => {
      const state = fake.view(viewId)?.state.values;
      return state?.b_date?.a_date?.selected_date ? state : undefined;
    });
    expect(values).toMatchObject({
      b_text: { a_text: { type: 'plain_text_input', value: 'Hello' } },
      b_multi: { a_multi: { type: 'plain_text_input', value: 'Line one\nLine two' } },
      b_number: { a_number: { type: 'number_input', value: '12.5' } },
      b_url: { a_url: { type: 'url_text_input', value: 'https://example.com/x' } },
      b_email: { a_email: { type: 'email_text_input', value: 'a@example.com' } },
      b_static: { a_static: { type: 'static_select', selected_option: { value: 'team' } } },
      b_user: { a_user: { type: 'users_select', selected_user: 'U0SBXVP' } },
      b_channel: { a_channel: { type: 'conversations_select', selected_conversation: 'C0APPROVALS' } },
      b_checks: { a_checks: { type: 'checkboxes', selected_options: [{ value: 'two' }] } },
      b_radio: { a_radio: { type: 'radio_buttons', selected_option: { value: 'high' } } },
      b_date: { a_date: { type: 'datepicker', selected_date: '2026-12-01' } },
    });

    // An app's own field errors (response_action errors) show the same way.
    const second = await slack.views.open({
      trigger_id: fake.issueTrigger(LENA),
      view: {
        type: 'modal',
        title: plain('Root'),
        blocks: [
          {
            type: 'input',
            block_id: 'amount',
            label: plain('Credit'),
            element: { type: 'plain_text_input', action_id: 'v' },
          },
        ],
        submit: plain('Next'),
      },
    });
    const rootId = String(second.view?.id);
    fake.applyViewResponse(rootId, {
      response_action: 'errors',
      errors: { amount: 'Above your limit of $500' },
    });
    await containsText(modal.locator('[data-block-id="amount"] .field-error'), 'Above your limit of $500');
    await slack.views.push({
      trigger_id: fake.issueTrigger(LENA),
      view: {
        type: 'modal',
        title: plain('Pushed view'),
        blocks: [{ type: 'section', text: plain('On top') }],
      },
    });
    await containsText(modal.locator('.modal-title'), 'Pushed view');
    await modal.locator('.modal-back').click();
    await containsText(modal.locator('.modal-title'), 'Root');
    await modal.locator('.modal-close').click();
    await hidden(modal);
  });

  it("opening the Home tab sends app_home_opened; the app's Home renders and its buttons act on the view", async () => {
    await openChannel(page, 'Frontline — Home');
    const home = page.locator('.home-view');
    await containsText(home, 'New escalation');
    await home.getByRole('button', { name: 'New escalation' }).click();
    const modal = topModal(page);
    await visible(modal);
    await containsText(modal, 'Summary');
    await modal
      .getByRole('button', { name: /cancel|close/i })
      .first()
      .click();
    await hidden(modal);
  });

  it("the message shortcut opens the app's form from a message; an unknown command is refused as Slack does", async () => {
    await openChannel(page, 'marketing');
    await page.locator('#composer').fill('Ostrander Legal: invoice shows no VAT line since last week');
    await page.locator('#composer').press('Enter');
    const message = page.locator('#messages .message', { hasText: 'invoice shows no VAT line' });
    await visible(message);
    await message.locator('.shortcut', { hasText: 'Escalate to billing' }).click();
    const modal = topModal(page);
    await visible(modal);
    expect(await modal.locator('[data-action-id="summary_input"]').inputValue()).toContain('no VAT line');
    await modal.locator('.modal-close').click();
    await hidden(modal);

    await page.locator('#composer').fill('/nosuchcommand hello');
    await page.locator('#composer').press('Enter');
    await containsText(page.locator('.toasts'), '/nosuchcommand is not a valid command');
  });

  it('Reset brings back the demo: messages, modals and escalations made since are gone, the known problem stays', async () => {
    await openChannel(page, 'billing-intake');
    await page.locator('#composer').fill('Anyone seen double charges today?');
    await page.locator('#composer').press('Enter');
    await visible(page.locator('#messages .message', { hasText: 'Anyone seen double charges today?' }));
    await page.locator('#reset').click();
    await page.locator('.confirm-layer .confirm-yes').click();
    await hidden(page.locator('#messages .message', { hasText: 'Anyone seen double charges today?' }));
    await containsText(page.locator('#messages'), 'Welcome to the Frontline sandbox');
    await containsText(page.locator('#messages'), 'PRB-1 — Renewal charged twice');
    expect(fake.messages('C0PRODUCT')).toHaveLength(0);
    const [counts] = await queryRows<{ problems: string; escalations: string }>(
      sandbox.running.deps.db,
      sql`select (select count(*) from problems) as problems, (select count(*) from escalations) as escalations`,
    );
    expect({ problems: Number(counts?.problems), escalations: Number(counts?.escalations) }).toEqual({
      problems: 1,
      escalations: 3,
    });
  });
  it('a page of another origin in the browser cannot drive the sandbox: Reset from there resets nothing', async () => {
    const marker = 'Marker before a Reset from another origin';
    fake.postAsUser({ channel: 'C0PRODUCT', user: LENA, text: marker });
    // Any other web page open in the same browser: here one served by a second local server (another origin).
    const elsewhere = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>Some other site</title>');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const address = elsewhere.address();
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
      const outcome = await other.evaluate(async (target) => {
        // A "simple" request needs no CORS preflight, so the browser sends it; the sandbox must refuse it.
        const simple = await fetch(`${target}/sandbox/api/reset`, {
          method: 'POST',
          mode: 'no-cors',
          body: '{}',
        })
          .then((response) => response.type)
          .catch((error: unknown) => String(error));
        // A JSON request needs a preflight, which the sandbox never grants.
        const json = await fetch(`${target}/sandbox/api/reset`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
          .then((response) => String(response.status))
          .catch(() => 'blocked');
        return { simple, json };
      }, sandbox.url);
      expect(outcome).toEqual({ simple: 'opaque', json: 'blocked' });
      expect(fake.messages('C0PRODUCT').map((m) => m.text)).toContain(marker);
    } finally {
      await other.close();
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});

describe('the sandbox exists only without Slack credentials', () => {
  it('with real credentials there is no /sandbox, and the server is not bound to loopback only', async () => {
    const app = await startTestApp();
    try {
      for (const path of ['/sandbox', '/sandbox/app.js', '/sandbox/api/state']) {
        expect((await fetch(`${app.url}${path}`)).status).toBe(404);
      }
      expect(app.running.sandbox.slack).toBeUndefined();
    } finally {
      await app.stop();
    }
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).host).toBe('0.0.0.0');
  });

  it('without credentials the server listens on loopback unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
