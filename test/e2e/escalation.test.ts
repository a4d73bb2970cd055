import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { insertEscalation } from '../../src/db/repositories/escalations.js';
import { escalations, problems } from '../../src/db/schema/index.js';
import { formatMoney } from '../../src/domain/money.js';
import type { SlackMessage } from '../../src/sandbox/fakes/slack/types.js';
import { recomputePriority } from '../../src/services/priority.js';
import { SYNC_TRIAGE_CARD_JOB } from '../../src/services/triage.js';
import { eventually, openEscalationForm, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedKnownProblem } from '../support/seed.js';

const HALCYON = 'cus_DemoHalcyonFreight';
const CORVID = 'cus_DemoCorvidRobotics';
const OSTRANDER = 'cus_DemoOstranderLegal';
/** The monthly revenue of the customer already linked to the known problem before the tests start. */
const PRELINKED_MRR = 4_900;

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
    // One customer is already linked (as an earlier Link would have left it), and the problem is ranked for it.
    const { db, settings } = app.running.deps;
    await insertEscalation(db, {
      customerId: 'cus_DemoQuillfeatherLabs',
      customerName: 'Quillfeather Labs',
      customerMrrMinor: PRELINKED_MRR,
      currency: 'usd',
      priority: 'p3',
      category: 'duplicate_charge',
      summary: 'Trial converted and charged twice',
      status: 'linked',
      problemId: knownProblem,
      requesterId: app.people.manager,
      source: 'command',
      linkedAt: new Date(),
    });
    await recomputePriority(db, settings, knownProblem, new Date());
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

  const openForm = (user: string, text: string) => openEscalationForm(app, user, text);

  /** Escalates from /escalate for the Ostrander account and answers the card posted to the requester's DM. */
  async function escalateToDm(
    user: string,
    form: { summary: string; category: string; details: string },
  ): Promise<SlackMessage> {
    const dm = app.slack.dmChannel(user);
    const before = app.slack.messages(dm).length;
    const viewId = await openForm(user, form.summary);
    await app.driver.submitView({
      user,
      viewId,
      values: {
        customer_select: { value: OSTRANDER, text: 'Ostrander Legal' },
        category_select: form.category,
        details_input: form.details,
      },
    });
    return eventually(
      () =>
        app.slack
          .messages(dm)
          .slice(before)
          .find((m) => m.text?.startsWith('ESC-')),
      20_000,
    );
  }

  /** The value a field of an open form was prefilled with. */
  const initialValue = (viewId: string, blockId: string) =>
    (
      (app.slack.view(viewId)?.blocks ?? []) as Array<{
        block_id?: string;
        element?: { initial_value?: string };
      }>
    ).find((block) => block.block_id === blockId)?.element?.initial_value;
  const count = async (table: 'escalations' | 'problems') =>
    Number(
      (
        await queryRows<{ n: string }>(app.running.deps.db, sql`select count(*) as n from ${sql.raw(table)}`)
      )[0]?.n,
    );

  /** The known problem's impact as `/frontline queue` explains it to an engineer (the priority's impact line). */
  async function impactInQueue(problemId: number): Promise<string> {
    const engineer = app.people.engineer;
    const seen = app.slack.ephemerals(engineer).length;
    await app.driver.command({ user: engineer, channel: 'C0SUPPORT', command: '/frontline', text: 'queue' });
    const answer = await eventually(
      () =>
        app.slack
          .ephemerals(engineer)
          .slice(seen)
          .find((e) => blocksText(e.blocks).includes('Open problems by who is hurt')),
      20_000,
    );
    const entry = (answer.blocks as Array<{ text?: { text?: string } }>).find((block) =>
      block.text?.text?.includes(`PRB-${problemId}*`),
    );
    const line = entry?.text?.text?.split('\n').find((text) => text.includes('Impact:'));
    return (line ?? '').replace(/^\s*◦\s*/, '').replace(/ → .*$/, '');
  }

  /** The triage card's "Customers affected" and "Revenue at risk" fields, as the incidents channel shows them. */
  function triageFacts(message: { blocks?: unknown }): { customers: string; revenue: string } {
    const fields = (message.blocks as Array<{ fields?: Array<{ text: string }> }>).flatMap(
      (b) => b.fields ?? [],
    );
    const field = (label: string) =>
      fields.find((f) => f.text.startsWith(`*${label}*`))?.text.split('\n')[1] ?? '';
    return { customers: field('Customers affected'), revenue: field('Revenue at risk') };
  }

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

  it('submit → card with the known problem → Link (twice): linked once, workaround in the thread, impact updated, no engineer notified', async () => {
    expect(await impactInQueue(knownProblem)).toBe(
      `Impact: 1 customer affected, ${formatMoney(PRELINKED_MRR, 'usd')}/mo at risk`,
    );
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
    // The match says what the problem is, where it stands and how many customers it already has.
    expect(blocksText(card.blocks)).toContain(`PRB-${knownProblem}`);
    expect(blocksText(card.blocks)).toContain('bug, open · 1 customer linked');
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
    // The problem's impact grew by this customer and its revenue, as the priority explains it.
    expect(await impactInQueue(knownProblem)).toBe(
      `Impact: 2 customers affected, ${formatMoney(PRELINKED_MRR + (row?.customerMrrMinor ?? 0), 'usd')}/mo at risk`,
    );
    // The problem had no triage card: once the card sync has run, the incidents channel still has none for it.
    await eventually(async () => {
      const [done] = await queryRows<{ n: string }>(
        app.running.deps.db,
        sql`select count(*) as n from pgboss.job where name = ${SYNC_TRIAGE_CARD_JOB}
            and (data->>'problemId')::int = ${knownProblem} and state = 'completed'`,
      );
      return Number(done?.n) > 0;
    }, 15_000);
    expect(
      app.slack
        .messages('C0INCIDENTS')
        .filter((m) => `${m.text} ${blocksText(m.blocks)}`.includes(`PRB-${knownProblem}`)),
    ).toEqual([]);
    const avoided = await queryRows<{ count: number }>(
      app.running.deps.db,
      sql`select count from daily_counters where metric = 'duplicates_avoided' and category = 'duplicate_charge'`,
    );
    expect(avoided[0]?.count).toBe(1);
  });

  it('a Link clicked while the card is still on its way gets its reply in the card’s thread, and the card is updated', async () => {
    // Slack stores the card at once but answers the app 1.5 s later: the card is visible, its ts not yet recorded.
    const stop = app.slack.inject({
      match: (request) =>
        request.path === '/api/chat.postMessage' && request.rawBody.includes('escalation-card-direct'),
      afterHandling: true,
      delayMs: 1_500,
      times: 1,
    });
    try {
      const user = app.people.l2;
      const card = await escalateToDm(user, {
        summary: 'Renewal charged twice after the gateway timeout',
        category: 'refund',
        details: 'Two identical renewal charges minutes apart; the gateway timed out on the first.',
      });
      expect(blocksText(card.blocks)).toContain(`escalation_link_${knownProblem}`);
      const channel = String(app.slack.dmChannel(user));
      await app.driver.clickButton({
        user,
        channel,
        messageTs: card.ts,
        actionId: `escalation_link_${knownProblem}`,
      });
      const reply = await eventually(() =>
        app.slack.thread(channel, card.ts).find((m) => m.text?.includes('Refund the second charge')),
      );
      expect(reply.text).toContain(`PRB-${knownProblem}`);
      await eventually(() => blocksText(app.slack.message(channel, card.ts)?.blocks).includes('Linked to'));
    } finally {
      stop();
    }
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

  it('"None of these" is remembered: the next case worded like it sees the new problem, and a note on the one passed over', async () => {
    const [vat] = await app.running.deps.db
      .select({ id: problems.id })
      .from(problems)
      .where(eq(problems.title, 'VAT missing on invoices for EU business customers'));
    const vatLink = `escalation_link_${vat?.id}`;
    const user = app.people.l1b;
    const dm = app.slack.dmChannel(user);
    const escalate = (summary: string) =>
      escalateToDm(user, {
        summary,
        category: 'tax_question',
        details:
          'Swiss customer, not in the EU: no VAT line on the invoice and no reverse charge note, they ask whether that is right.',
      });
    const first = await escalate('Swiss invoice shows no VAT line');
    expect(blocksText(first.blocks)).toContain(vatLink);
    await app.driver.clickButton({
      user,
      channel: dm,
      messageTs: first.ts,
      actionId: 'escalation_report_new',
    });
    const rejected = await eventually(async () => {
      const rows = await queryRows<{ problem_id: number; created_by: string }>(
        app.running.deps.db,
        sql`select problem_id, created_by from match_rejections where problem_id = ${vat?.id}`,
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(rejected).toEqual([{ problem_id: vat?.id, created_by: user }]);
    const [reported] = await app.running.deps.db
      .select({ id: problems.id })
      .from(problems)
      .where(eq(problems.title, 'Swiss invoice shows no VAT line'));

    const second = await escalate('Invoice for a Swiss customer has no VAT line');
    expect(blocksText(second.blocks)).toContain(`escalation_link_${reported?.id}`);
    // The problem passed over is still offered, with a word on what the last agent decided.
    expect(blocksText(second.blocks)).toContain(vatLink);
    expect(blocksText(second.blocks)).toContain(
      'an agent passed this problem over for a case worded like this one',
    );
  });

  it("prefills the form as people read the text: Slack's &amp; decoded, mentions dropped, a long /escalate kept whole", async () => {
    // Message text as Slack's API delivers it: &, < and > escaped.
    const posted = app.slack.postAsUser({
      channel: 'C0SUPPORT',
      user: app.people.l2,
      text: 'Juniper &amp; Moss: refund &gt; $100 never arrived <@U0SBXL1A>',
    });
    const seen = new Set(app.slack.openViews(app.people.l2).map((view) => view.id));
    await app.driver.messageShortcut({
      user: app.people.l2,
      channel: 'C0SUPPORT',
      message: posted.ts,
      callbackId: 'escalate_message',
    });
    const shortcutForm = await eventually(
      () => app.slack.openViews(app.people.l2).find((view) => !seen.has(view.id))?.id,
    );
    expect(initialValue(shortcutForm, 'summary')).toBe('Juniper & Moss: refund > $100 never arrived');
    await app.driver.closeView({ user: app.people.l2, viewId: shortcutForm });

    const pasted = `Customer charged twice for the annual renewal\n${'They sent the bank statement. '.repeat(10)}`;
    const formId = await openEscalationForm(app, app.people.l2, pasted);
    expect(initialValue(formId, 'summary')).toBe('Customer charged twice for the annual renewal');
    expect(initialValue(formId, 'details')).toBe(pasted.trim());
    await app.driver.closeView({ user: app.people.l2, viewId: formId });
    const short = await openEscalationForm(app, app.people.l2, 'Card declined at checkout');
    expect(initialValue(short, 'summary')).toBe('Card declined at checkout');
    expect(initialValue(short, 'details')).toBeUndefined();
    await app.driver.closeView({ user: app.people.l2, viewId: short });
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
    const initial = (blockId: string) => initialValue(viewId, blockId);
    expect(initial('summary')).toBe('Ostrander Legal says their invoice has no VAT line since last week');
    expect(initial('details')).toBe(
      'Ostrander Legal says their invoice has no VAT line since last week\nTheir accountant refuses to book it.',
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
    // The prefilled details went through the form onto the card.
    expect(blocksText(card.blocks)).toContain('Their accountant refuses to book it.');
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
    // Submitting that form puts the card in the intake message's own thread.
    const submitted = await app.driver.submitView({
      user: app.people.l1,
      viewId,
      values: {
        customer_select: { value: 'cus_DemoJuniperMoss', text: 'Juniper & Moss Bakery' },
        category_select: 'duplicate_charge',
      },
    });
    expect(submitted.status).toBe(200);
    const card = await eventually(
      () => app.slack.thread('C0INTAKE', posted.message.ts).find((m) => m.text?.startsWith('ESC-')),
      20_000,
    );
    expect(blocksText(card.blocks)).toContain('cus_DemoJuniperMoss');
    expect(card.thread_ts).toBe(posted.message.ts);
    const direct = app.slack.messages(app.slack.dmChannel(app.people.l1));
    expect(direct.filter((m) => blocksText(m.blocks).includes('cus_DemoJuniperMoss'))).toEqual([]);
  });

  it('answers a message with a screenshot attached (file_share) like a plain one', async () => {
    const posted = app.slack.postAsUser({
      channel: 'C0INTAKE',
      user: app.people.l2,
      text: 'Brightleaf was charged twice for one renewal, screenshot of both charges attached',
    });
    const answer = await app.driver.event({
      event: {
        type: 'message',
        subtype: 'file_share',
        user: app.people.l2,
        text: posted.text,
        ts: posted.ts,
        channel: 'C0INTAKE',
        channel_type: 'channel',
        upload: false,
        display_as_bot: false,
        files: [
          {
            id: 'F0SHOT1',
            name: 'two-charges.png',
            mimetype: 'image/png',
            filetype: 'png',
            user: app.people.l2,
          },
        ],
      },
    });
    expect(answer.status).toBe(200);
    const reply = await eventually(() =>
      app.slack.thread('C0INTAKE', posted.ts).find((m) => m.ts !== posted.ts),
    );
    expect(blocksText(reply.blocks)).toContain('escalation_open_form');
    expect(blocksText(reply.blocks)).toContain(`PRB-${knownProblem}`);
  });

  it('ignores bot messages (with or without a subtype), edits, deletions and thread replies in intake channels', async () => {
    const answers = () =>
      app.slack
        .calls('chat.postMessage')
        .filter((call) => call.args.channel === 'C0INTAKE')
        .map((call) => String(call.args.thread_ts));
    const before = answers().length;
    const parent = await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'Refund stuck for two weeks',
    });
    await eventually(() => answers().length > before);
    const ignoredTs = ['1800000000.000100', '1800000000.000200', '1800000000.000300', '1800000000.000400'];
    const reply = await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'more details: SEPA refund',
      threadTs: parent.message.ts,
    });
    ignoredTs.push(reply.message.ts);
    const ignored: Array<Record<string, unknown>> = [
      { subtype: 'bot_message', bot_id: 'B0OTHER', text: 'charged twice', ts: ignoredTs[0] },
      // A workflow or another app posting on a person's behalf: a bot_id and a user, no subtype.
      { bot_id: 'B0WORKFLOW', user: app.people.l1, text: 'charged twice for the renewal', ts: ignoredTs[1] },
      {
        subtype: 'message_changed',
        ts: ignoredTs[2],
        message: {
          type: 'message',
          user: app.people.l1,
          text: 'charged twice (edited)',
          ts: parent.message.ts,
        },
      },
      {
        subtype: 'message_deleted',
        ts: ignoredTs[3],
        deleted_ts: parent.message.ts,
        previous_message: {
          type: 'message',
          user: app.people.l1,
          text: 'Refund stuck',
          ts: parent.message.ts,
        },
      },
      {
        subtype: 'file_share',
        user: app.people.l1,
        text: 'screenshot of the refund screen',
        ts: '1800000000.000500',
        thread_ts: parent.message.ts,
        files: [{ id: 'F0SHOT2', name: 'refund.png', mimetype: 'image/png' }],
      },
    ];
    ignoredTs.push('1800000000.000500');
    for (const event of ignored) {
      const sent = await app.driver.event({ event: { type: 'message', channel: 'C0INTAKE', ...event } });
      expect(sent.status).toBe(200);
    }
    // A plain message sent after them is answered; by then the ignored ones would have been too.
    const after = await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'Invoice PDF shows the wrong billing address',
    });
    await eventually(() => answers().includes(after.message.ts));
    expect(answers().slice(before).sort()).toEqual([parent.message.ts, after.message.ts].sort());
    for (const ts of ignoredTs) expect(answers()).not.toContain(ts);
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
        // The Corvid case from /escalate and the Juniper & Moss case from the intake button.
        expect.objectContaining({ metric: 'escalations_created', category: 'duplicate_charge', count: 2 }),
        expect.objectContaining({ metric: 'escalations_created', category: 'overcharge_dispute', count: 1 }),
        // The shortcut's case and the two Swiss VAT cases.
        expect.objectContaining({ metric: 'escalations_created', category: 'tax_question', count: 3 }),
        expect.objectContaining({ metric: 'problems_created', category: 'overcharge_dispute', count: 1 }),
        expect.objectContaining({ metric: 'problems_created', category: 'tax_question', count: 1 }),
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
  it('an urgent escalation that matches no known problem still goes to the incidents channel', async () => {
    const viewId = await openForm(
      app.people.l2,
      'Dunning reminders arrive in Portuguese for Canadian accounts',
    );
    const submitted = await app.driver.submitView({
      user: app.people.l2,
      viewId,
      values: {
        customer_select: { value: 'cus_DemoBrightleafStudio', text: 'Brightleaf Studio' },
        category_select: 'other',
        triggers_checkboxes: ['after_release'],
      },
    });
    expect(submitted.status).toBe(200);
    const dm = app.slack.dmChannel(app.people.l2);
    const card = await eventually(
      () =>
        app.slack
          .messages(dm)
          .find((m) => m.text?.startsWith('ESC-') && blocksText(m.blocks).includes('Dunning reminders')),
      20_000,
    );
    expect(blocksText(card.blocks)).toContain('No known open problem looks like this case');
    const ref = card.text?.match(/^ESC-\d+/)?.[0];
    expect(ref).toBeDefined();
    const notice = await eventually(() =>
      app.slack.messages('C0INCIDENTS').find((m) => m.text?.startsWith(`Urgent escalation ${ref}:`)),
    );
    expect(blocksText(notice.blocks)).toContain('Started right after an upgrade or patch');
    expect(blocksText(notice.blocks)).toContain('No known problem looks like it.');
  });

  it('Link to a problem that has a triage card edits that card in place: more customers, more revenue, no new card', async () => {
    const title = 'Seat count stays at 50 after removing users';
    const cardsOf = () =>
      app.slack.messages('C0INCIDENTS').filter((m) => m.text?.startsWith('PRB-') && m.text.includes(title));
    const [triage] = cardsOf();
    if (!triage) throw new Error('the reported problem has no triage card');
    const problemRef = triage.text?.match(/^PRB-(\d+)/)?.[1];
    expect(triageFacts(triage).customers).toBe('1 (1 escalation)');
    const revenueBefore = triageFacts(triage).revenue;
    const halcyonMinor = Math.round(Number(revenueBefore.replace(/[^0-9.]/g, '')) * 100);
    expect(halcyonMinor).toBeGreaterThan(0);

    const viewId = await openForm(app.people.l1, title);
    await app.driver.submitView({
      user: app.people.l1,
      viewId,
      values: {
        customer_select: { value: OSTRANDER, text: 'Ostrander Legal LLP' },
        category_select: 'overcharge_dispute',
        details_input: 'They removed three users last month and the invoice still bills fifty seats.',
      },
    });
    const dm = app.slack.dmChannel(app.people.l1);
    const linkAction = `escalation_link_${problemRef}`;
    const card = await eventually(
      () =>
        app.slack
          .messages(dm)
          .find((m) => blocksText(m.blocks).includes(OSTRANDER) && blocksText(m.blocks).includes(linkAction)),
      20_000,
    );
    expect(blocksText(card.blocks)).toContain('unclassified, in triage · 1 customer linked');
    const clicked = await app.driver.clickButton({
      user: app.people.l1,
      channel: dm,
      messageTs: card.ts,
      actionId: linkAction,
    });
    expect(clicked.status).toBe(200);
    const [ostrander] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.customerId, OSTRANDER))
      .orderBy(escalations.id);
    const edited = await eventually(() => {
      const message = app.slack.message('C0INCIDENTS', triage.ts);
      return message && triageFacts(message).customers === '2 (2 escalations)' ? message : undefined;
    }, 15_000);
    expect(triageFacts(edited).revenue).toBe(
      `${formatMoney(halcyonMinor + (ostrander?.customerMrrMinor ?? 0), 'usd')}/mo`,
    );
    expect(triageFacts(edited).revenue).not.toBe(revenueBefore);
    expect(cardsOf().map((m) => m.ts)).toEqual([triage.ts]);
  });
  it('a NUL character pasted into the form is dropped, and the case is stored and answered', async () => {
    const card = await escalateToDm(app.people.l1, {
      summary: 'Refund\u0000 shows twice on the statement',
      category: 'refund',
      details: 'Pasted from a PDF:\u0000 two refund lines',
    });
    expect(card.text).toMatch(/^ESC-\d+/);
    const [row] = await app.running.deps.db
      .select()
      .from(escalations)
      .where(eq(escalations.summary, 'Refund shows twice on the statement'));
    expect(row?.details).toBe('Pasted from a PDF: two refund lines');
  });
});
