import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { escalations, problems } from '../../src/db/schema/index.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedKnownProblem } from '../support/seed.js';

const HALCYON = 'cus_DemoHalcyonFreight';
const CORVID = 'cus_DemoCorvidRobotics';

const blocksText = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe.each(DATABASE_KINDS)('escalation intake and known-issue matching (%s)', (kind) => {
  let app: TestApp;
  let knownProblem: number;

  beforeAll(async () => {
    app = await startTestApp({ kind });
    knownProblem = await seedKnownProblem(app.running.deps.db, {
      title: 'Renewal charged twice after the payment gateway timed out',
      symptoms:
        'Customers see two identical charges for one renewal a few minutes apart. The first attempt timed out at the gateway and the retry charged the card again.',
      category: 'duplicate_charge',
      workaround:
        'Refund the second charge (the one not attached to the paid invoice) from the Stripe dashboard.',
      linkedTexts: ['Customer charged twice for the annual renewal, same amount two minutes apart'],
    });
    await seedKnownProblem(app.running.deps.db, {
      title: 'VAT missing on invoices for EU business customers',
      symptoms: 'Since the tax settings change, EU invoices show no VAT line and no reverse-charge note.',
      category: 'tax_question',
      workaround: 'Void and reissue the invoice with the tax rate applied by hand.',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function openForm(user: string, text: string): Promise<string> {
    const seen = new Set(app.slack.openViews(user).map((view) => view.id));
    const answer = await app.driver.command({ user, channel: 'C0SUPPORT', command: '/escalate', text });
    expect(answer.status).toBe(200);
    return eventually(() => app.slack.openViews(user).find((view) => !seen.has(view.id))?.id);
  }

  const count = async (table: 'escalations' | 'problems') =>
    Number(
      (
        await queryRows<{ n: string }>(app.running.deps.db, sql`select count(*) as n from ${sql.raw(table)}`)
      )[0]?.n,
    );

  it('/escalate opens the checklist form with the text as summary, and refuses bad input field by field', async () => {
    const viewId = await openForm(app.people.l1, 'Charged twice on renewal');
    const view = app.slack.view(viewId);
    expect(view?.callback_id).toBe('escalation_form');
    expect(blocksText(view?.blocks)).toContain('Charged twice on renewal');
    for (const label of [
      'Customer',
      'Case link or id',
      'Priority',
      'Category',
      'Summary',
      'What happens',
      'Steps to reproduce',
      'Evidence links',
    ]) {
      expect(blocksText(view?.blocks)).toContain(label);
    }

    const stored = await count('escalations');
    const submitted = await app.driver.submitView({
      user: app.people.l1,
      viewId,
      values: {
        summary_input: '   ',
        evidence_input: 'https://files.example.com/shot.png\nnot a link',
        category_select: 'duplicate_charge',
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({
      response_action: 'errors',
      errors: {
        customer: expect.stringContaining('customer'),
        summary: expect.stringContaining('summary'),
        evidence: expect.stringContaining('not a link'),
      },
    });
    expect(app.slack.viewErrors(viewId)).toMatchObject({
      customer: expect.any(String),
      summary: expect.any(String),
      evidence: expect.any(String),
    });
    expect(await count('escalations')).toBe(stored);
  });

  it('searches Stripe customers as the agent types', async () => {
    const viewId = await openForm(app.people.l1, '');
    const byName = await app.driver.suggestion({
      user: app.people.l1,
      viewId,
      actionId: 'customer_select',
      value: 'halcyon',
    });
    expect(byName.options).toEqual([expect.objectContaining({ value: HALCYON })]);
    const byEmail = await app.driver.suggestion({
      user: app.people.l1,
      viewId,
      actionId: 'customer_select',
      value: 'billing.halcyon@example.com',
    });
    expect(byEmail.options).toEqual([expect.objectContaining({ value: HALCYON })]);
    const byId = await app.driver.suggestion({
      user: app.people.l1,
      viewId,
      actionId: 'customer_select',
      value: CORVID,
    });
    expect(byId.options).toEqual([expect.objectContaining({ value: CORVID })]);
  });

  it('submit → card with the known problem → Link (twice): linked once, workaround in the thread, impact updated', async () => {
    const viewId = await openForm(app.people.l1, 'Customer was charged twice for the renewal');
    const submitted = await app.driver.submitView({
      user: app.people.l1,
      viewId,
      values: {
        customer_select: { value: CORVID, text: 'Corvid Robotics' },
        case_ref_input: 'https://help.example.com/tickets/4711',
        category_select: 'duplicate_charge',
        details_input:
          'Two identical charges two minutes apart on the same card; the gateway timed out on the first one.',
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.elapsedMs).toBeLessThan(3000);
    const dm = app.slack.dmChannel(app.people.l1);
    const card = await eventually(
      () =>
        app.slack
          .messages(String(dm))
          .find((m) => blocksText(m.blocks).includes(`PRB-${knownProblem}`) && m.text?.startsWith('ESC-')),
      20_000,
    );
    expect(blocksText(card.blocks)).toContain('Corvid Robotics');
    expect(blocksText(card.blocks)).toContain('Refund the second charge');
    const [row] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.customerId, CORVID));
    expect(row).toMatchObject({
      status: 'open',
      category: 'duplicate_charge',
      priority: 'p3',
      customerName: 'Corvid Robotics',
    });
    expect(row?.customerMrrMinor).toBeGreaterThan(0);

    const linkAction = `escalation_link_${knownProblem}`;
    const channel = String(dm);
    const [first, second] = await Promise.all([
      app.driver.clickButton({ user: app.people.l1, channel, messageTs: card.ts, actionId: linkAction }),
      app.driver.clickButton({ user: app.people.l1, channel, messageTs: card.ts, actionId: linkAction }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const thread = () => app.slack.thread(channel, card.ts).filter((m) => m.ts !== card.ts);
    await eventually(() => thread().some((m) => m.text?.includes('Refund the second charge')));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(thread().filter((m) => m.text?.includes(`PRB-${knownProblem}`))).toHaveLength(1);
    const updated = app.slack.message(channel, card.ts);
    expect(blocksText(updated?.blocks)).toContain('Linked to');
    expect(blocksText(updated?.blocks)).not.toContain('escalation_link_');

    const [linked] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.id, row?.id ?? 0));
    expect(linked).toMatchObject({ problemId: knownProblem, status: 'linked' });
    const [counts] = await queryRows<{ customers: string }>(
      app.running.deps.db,
      sql`select count(distinct customer_id) as customers from escalations where problem_id = ${knownProblem}`,
    );
    expect(Number(counts?.customers)).toBe(1);
    const avoided = await queryRows<{ count: number }>(
      app.running.deps.db,
      sql`select count from daily_counters where metric = 'duplicates_avoided' and category = 'duplicate_charge'`,
    );
    expect(avoided[0]?.count).toBe(1);
  });

  it('Report new problem creates one problem in triage and posts its card to the incidents channel', async () => {
    const viewId = await openForm(app.people.l1b, 'Seat count stays at 50 after removing users');
    await app.driver.submitView({
      user: app.people.l1b,
      viewId,
      values: {
        customer_select: { value: HALCYON, text: 'Halcyon Freight Systems' },
        category_select: 'overcharge_dispute',
        details_input: 'Admin removed five users on the 3rd; the next invoice still bills fifty seats.',
      },
    });
    const dm = await eventually(() =>
      app.slack.messages(app.slack.dmChannel(app.people.l1b)).find((m) => m.text?.startsWith('ESC-')),
    );
    const problemsBefore = await count('problems');
    const channel = app.slack.dmChannel(app.people.l1b);
    await Promise.all([
      app.driver.clickButton({
        user: app.people.l1b,
        channel,
        messageTs: dm.ts,
        actionId: 'escalation_report_new',
      }),
      app.driver.clickButton({
        user: app.people.l1b,
        channel,
        messageTs: dm.ts,
        actionId: 'escalation_report_new',
      }),
    ]);
    await eventually(async () => (await count('problems')) === problemsBefore + 1);
    const triage = await eventually(() =>
      app.slack
        .messages('C0INCIDENTS')
        .find((m) => blocksText(m.blocks).includes('Seat count stays at 50 after removing users')),
    );
    expect(blocksText(triage.blocks)).toContain('Halcyon Freight Systems');
    expect(blocksText(triage.blocks)).toContain('Customers affected');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await count('problems')).toBe(problemsBefore + 1);
    const [created] = await app.running.deps.db
      .select()
      .from(problems)
      .where(eq(problems.title, 'Seat count stays at 50 after removing users'));
    expect(created?.status).toBe('triage');
    expect(created?.triageTs).toBe(triage.ts);
    expect(blocksText(app.slack.message(channel, dm.ts)?.blocks)).toContain('Reported as a new problem');
  });

  it('the message shortcut prefills from the message, keeps its permalink, and answers in its thread; triggers make it urgent', async () => {
    const original = app.slack.postAsUser({
      channel: 'C0SUPPORT',
      user: app.people.l2,
      text: 'Ostrander Legal says their invoice has no VAT line since last week\nTheir accountant refuses to book it.',
    });
    await app.driver.messageShortcut({
      user: app.people.l2,
      channel: 'C0SUPPORT',
      message: original.ts,
      callbackId: 'escalate_message',
    });
    const viewId = await eventually(() => app.slack.openViews(app.people.l2).at(-1)?.id);
    expect(blocksText(app.slack.view(viewId)?.blocks)).toContain(
      'Ostrander Legal says their invoice has no VAT line since last week',
    );
    await app.driver.submitView({
      user: app.people.l2,
      viewId,
      values: {
        customer_select: { value: 'cus_DemoOstranderLegal', text: 'Ostrander Legal LLP' },
        category_select: 'tax_question',
        priority_select: 'p4',
        triggers_checkboxes: ['financial'],
      },
    });
    const card = await eventually(
      () => app.slack.thread('C0SUPPORT', original.ts).find((m) => m.text?.startsWith('ESC-')),
      20_000,
    );
    expect(blocksText(card.blocks)).toContain('VAT missing on invoices');
    const [row] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.sourceTs, original.ts));
    expect(row).toMatchObject({
      priority: 'p1',
      urgent: true,
      triggers: ['financial'],
      source: 'shortcut',
      sourceChannel: 'C0SUPPORT',
    });
    expect(row?.sourcePermalink).toContain(original.ts.replace('.', ''));
    const notice = await eventually(() =>
      app.slack.messages('C0INCIDENTS').find((m) => m.text?.startsWith(`Urgent escalation ESC-${row?.id}`)),
    );
    expect(blocksText(notice.blocks)).toContain('financial');
  });

  it('answers a top-level intake message in its thread with matches and a button that opens the form prefilled', async () => {
    const posted = await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'Juniper & Moss got charged twice for their renewal, two identical charges a few minutes apart',
    });
    const reply = await eventually(() =>
      app.slack.thread('C0INTAKE', posted.message.ts).find((m) => m.ts !== posted.message.ts),
    );
    expect(blocksText(reply.blocks)).toContain(`PRB-${knownProblem}`);
    const seen = new Set(app.slack.openViews(app.people.l1).map((v) => v.id));
    await app.driver.clickButton({
      user: app.people.l1,
      channel: 'C0INTAKE',
      messageTs: reply.ts,
      actionId: 'escalation_open_form',
    });
    const viewId = await eventually(
      () => app.slack.openViews(app.people.l1).find((v) => !seen.has(v.id))?.id,
    );
    expect(blocksText(app.slack.view(viewId)?.blocks)).toContain(
      'Juniper & Moss got charged twice for their renewal',
    );
  });

  it('ignores bot messages, edits and thread replies in intake channels', async () => {
    const before = app.slack.calls('chat.postMessage').length;
    const parent = await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'Refund stuck for two weeks',
    });
    await eventually(() => app.slack.calls('chat.postMessage').length > before);
    const afterParent = app.slack.calls('chat.postMessage').length;
    await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'more details: SEPA refund',
      threadTs: parent.message.ts,
    });
    await app.driver.event({
      event: {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'B0OTHER',
        text: 'charged twice',
        channel: 'C0INTAKE',
        ts: '1800000000.000100',
      },
    });
    await app.driver.event({
      event: {
        type: 'message',
        subtype: 'message_changed',
        channel: 'C0INTAKE',
        ts: '1800000000.000200',
        message: {
          type: 'message',
          user: app.people.l1,
          text: 'charged twice (edited)',
          ts: parent.message.ts,
        },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(app.slack.calls('chat.postMessage').length).toBe(afterParent);
  });

  it('answers "@Frontline escalate …" outside the intake channels in the thread of the mention', async () => {
    const mention = await app.driver.appMention({
      user: app.people.manager,
      channel: 'C0SUPPORT',
      text: 'escalate EU customer says invoice is missing VAT and the reverse charge note',
    });
    const reply = await eventually(() =>
      app.slack.thread('C0SUPPORT', mention.message.ts).find((m) => m.ts !== mention.message.ts),
    );
    expect(blocksText(reply.blocks)).toContain('VAT missing on invoices');
    expect(blocksText(reply.blocks)).toContain('escalation_open_form');
  });

  it('counts escalations created and problems created per day and category', async () => {
    const rows = await queryRows<{ metric: string; category: string; count: number }>(
      app.running.deps.db,
      sql`select metric, category, count from daily_counters order by metric, category`,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'escalations_created', category: 'duplicate_charge', count: 1 }),
        expect.objectContaining({ metric: 'escalations_created', category: 'overcharge_dispute', count: 1 }),
        expect.objectContaining({ metric: 'escalations_created', category: 'tax_question', count: 1 }),
        expect.objectContaining({ metric: 'problems_created', category: 'overcharge_dispute', count: 1 }),
        expect.objectContaining({ metric: 'duplicates_avoided', category: 'duplicate_charge', count: 1 }),
      ]),
    );
  });

  it('a submitted escalation is stored before the form closes, and a lost Slack answer does not post its card twice', async () => {
    const viewId = await openForm(app.people.l2, 'Card declined with do_not_honor on every renewal attempt');
    let answersLost = 0;
    const lost = app.slack.inject({
      match: (request) => {
        const body = decodeURIComponent(request.rawBody.replace(/\+/g, ' '));
        const hit =
          request.path === '/api/chat.postMessage' && body.includes('Card declined with do_not_honor');
        if (hit) answersLost += 1;
        return hit;
      },
      times: 1,
      afterHandling: true,
      response: { status: 500, body: 'upstream timeout' },
    });
    const submitted = await app.driver.submitView({
      user: app.people.l2,
      viewId,
      values: {
        customer_select: { value: HALCYON, text: 'Halcyon Freight Systems' },
        category_select: 'payment_failed',
      },
    });
    expect(submitted.status).toBe(200);
    const [stored] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.summary, 'Card declined with do_not_honor on every renewal attempt'));
    expect(stored).toMatchObject({ status: 'open', requesterId: app.people.l2 });
    const dm = app.slack.dmChannel(app.people.l2);
    const cards = () => app.slack.messages(dm).filter((m) => m.text?.startsWith(`ESC-${stored?.id}`));
    await eventually(() => (cards().length > 0 ? true : undefined), 15_000);
    await eventually(async () => {
      const [row] = await app.running.deps.db
        .select()
        .from(escalations)
        .where(eq(escalations.id, stored?.id ?? 0));
      return row?.cardTs ?? undefined;
    }, 15_000);
    lost();
    expect(answersLost).toBeGreaterThanOrEqual(1);
    expect(cards()).toHaveLength(1);
    const [row] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.id, stored?.id ?? 0));
    expect(row).toMatchObject({
      cardChannel: dm,
      cardTs: cards()[0]?.ts,
      customerName: 'Halcyon Freight Systems',
    });
    // The requester's App Home lists the new case without being opened again.
    await eventually(
      () =>
        JSON.stringify(app.slack.home(app.people.l2)?.blocks ?? []).includes(`ESC-${stored?.id}`) ||
        undefined,
      20_000,
    );
  });
});
