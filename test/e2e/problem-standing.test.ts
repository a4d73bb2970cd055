import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEscalation } from '../../src/db/repositories/escalations.js';
import { getProblem } from '../../src/db/repositories/problems.js';
import {
  escalations,
  incidents,
  problemAssessments,
  problemClassifications,
  problems,
  rcaTickets,
} from '../../src/db/schema/index.js';
import { incidentContext } from '../../src/handlers/incident.js';
import type { SlackMessage } from '../../src/sandbox/fakes/slack-fake.js';
import { type ClassificationInput, classifyProblem } from '../../src/services/incident.js';
import { syncTriageCard } from '../../src/services/triage.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { type SeededProblem, seedProblemWithEscalations } from '../support/incidents.js';

const text = (value: unknown) => JSON.stringify(value ?? []);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HALCYON = { value: 'cus_DemoHalcyonFreight', text: 'Halcyon Freight Systems' };

/** The action ids of a message's buttons. */
function actionIds(message: SlackMessage | undefined): string[] {
  return [...text(message?.blocks).matchAll(/"action_id":"([a-z0-9_]+)"/g)].map(
    (match) => match[1] as string,
  );
}

/** The buttons of the RCA feature (the classify and merge buttons belong to triage). */
const rcaButtons = (message: SlackMessage | undefined) =>
  actionIds(message).filter((id) => id.startsWith('rca_'));

/** A bug decision as the classification form takes it. */
const bugValues = (severity: string) => ({
  classify_answers_input: ['cosmetic_only'],
  classify_outcome_input: 'bug',
  classify_severity_input: severity,
});

describe.each(DATABASE_KINDS)('what merged and closed problems, stale forms and notices do (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const db = () => app.running.deps.db;

  async function problemWithCard(
    title: string,
    threads: Parameters<typeof seedProblemWithEscalations>[2]['threads'],
  ): Promise<SeededProblem & { cardTs: string }> {
    const seeded = await seedProblemWithEscalations(db(), app.slack, { title, threads });
    await syncTriageCard(
      { db: db(), slack: app.running.deps.integrations.slack, settings: app.running.deps.settings },
      seeded.problemId,
    );
    const problem = await getProblem(db(), seeded.problemId);
    if (!problem?.triageTs) throw new Error('no triage card');
    return { ...seeded, cardTs: problem.triageTs };
  }

  const card = (ts: string) => app.slack.message('C0INCIDENTS', ts);

  /** The card as it is now, kept to click its buttons later, as someone looking at an old copy of it would. */
  function snapshot(ts: string): SlackMessage {
    const message = card(ts);
    if (!message) throw new Error(`no card ${ts}`);
    return structuredClone(message);
  }

  /** A signed click on a button of an older copy of a message (Slack sends whatever the person's client shows). */
  async function clickOn(user: string, channel: string, message: SlackMessage, actionId: string) {
    const blocks = (message.blocks ?? []) as Array<{ block_id?: string; elements?: unknown[] }>;
    const found = blocks.flatMap((block) =>
      (block.elements ?? [])
        .map((element) => element as { action_id?: string; value?: string })
        .filter((element) => element.action_id === actionId)
        .map((element) => ({ blockId: block.block_id, value: element.value })),
    )[0];
    if (!found) throw new Error(`${actionId} is not on that message`);
    const answer = await app.driver.blockAction({
      user,
      channel,
      messageTs: message.ts,
      message,
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: found.blockId,
          value: found.value,
          text: { type: 'plain_text', text: actionId },
          action_ts: String(Date.now() / 1000),
        },
      ],
    });
    expect(answer.status).toBe(200);
  }

  async function openFromButton(user: string, channel: string, messageTs: string, actionId: string) {
    const seen = new Set(app.slack.openViews(user).map((v) => v.id));
    const answer = await app.driver.clickButton({ user, channel, messageTs, actionId });
    expect(answer.status).toBe(200);
    return eventually(() => app.slack.openViews(user).find((v) => !seen.has(v.id))?.id);
  }

  async function openFromCommand(user: string, commandText: string) {
    const seen = new Set(app.slack.openViews(user).map((v) => v.id));
    const answer = await app.driver.command({
      user,
      channel: 'C0INCIDENTS',
      command: '/incident',
      text: commandText,
    });
    expect(answer.status).toBe(200);
    return eventually(() => app.slack.openViews(user).find((v) => !seen.has(v.id))?.id);
  }

  /** Waits for a new ephemeral message to `user` containing `words`, posted after `seen` of them. */
  const toldEphemerally = (user: string, seen: number, words: string) =>
    eventually(
      () =>
        app.slack
          .ephemerals(user)
          .slice(seen)
          .find((e) => e.text?.includes(words)),
      10_000,
    );

  /** An engineer clicks Fix released on the card; answers the first case and the question its requester got. */
  async function releaseByHand(engineer: string, p: SeededProblem & { cardTs: string }) {
    await app.driver.clickButton({
      user: engineer,
      channel: 'C0INCIDENTS',
      messageTs: p.cardTs,
      actionId: 'rca_fix_released',
    });
    const escalation = p.escalations[0];
    if (!escalation) throw new Error('no escalation');
    const ask = await eventually(() =>
      app.slack
        .thread(escalation.channel, escalation.threadTs)
        .find((m) => text(m.blocks).includes('rca_customer_confirmed')),
    );
    return { escalation, ask };
  }

  /** The texts Frontline posted in an escalation's thread. */
  const threadTexts = (e: { channel: string; threadTs: string }) =>
    app.slack
      .thread(e.channel, e.threadTs)
      .filter((m) => m.ts !== e.threadTs)
      .map((m) => m.text ?? '');

  const rows = {
    tickets: (problemId: number) => db().select().from(rcaTickets).where(eq(rcaTickets.problemId, problemId)),
    assessments: (problemId: number) =>
      db().select().from(problemAssessments).where(eq(problemAssessments.problemId, problemId)),
    classifications: (problemId: number) =>
      db().select().from(problemClassifications).where(eq(problemClassifications.problemId, problemId)),
    incidents: (problemId: number) => db().select().from(incidents).where(eq(incidents.problemId, problemId)),
  };

  // An assessment the rules decide as "next sprint" (few customers, the application runs, not financial), chosen
  // explicitly so the form saves without a refresh.
  const assessmentValues = {
    started_at_input: 'Since the 7.4 release',
    app_running_radio: 'yes',
    financial_radio: 'no',
    functionality_input: 'Renewal invoices',
    scope_select: 'few',
    decision_select: 'next_sprint',
  };

  it("a merged duplicate's card loses its RCA buttons, and its old buttons and forms are refused, naming the problem it went into", async () => {
    const { engineer } = app.people;
    const into = await problemWithCard('Annual renewals are charged the monthly price', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const dup = await problemWithCard('Renewal invoice shows the monthly price on an annual plan', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1b },
    ]);
    const before = snapshot(dup.cardTs);
    expect(rcaButtons(before)).toEqual(['rca_create_ticket', 'rca_assess', 'rca_fix_released']);
    // The engineer opened the assessment before a manager merged the problem, and saves it after.
    const assessment = await openFromButton(engineer, 'C0INCIDENTS', dup.cardTs, 'rca_assess');

    const merge = await openFromButton(app.people.manager, 'C0INCIDENTS', dup.cardTs, 'problem_merge');
    const merged = await app.driver.submitView({
      user: app.people.manager,
      viewId: merge,
      values: { merge_target_input: String(into.problemId) },
    });
    expect(merged.body).toBeFalsy();
    await eventually(async () => (await getProblem(db(), dup.problemId))?.mergedIntoId === into.problemId);

    // Each RCA button of the old card answers where it was clicked, naming the problem the cases went to.
    const refusal = `PRB-${dup.problemId} was merged into PRB-${into.problemId}`;
    const viewsBefore = app.slack.openViews(engineer).length;
    for (const actionId of ['rca_create_ticket', 'rca_assess', 'rca_fix_released']) {
      const seen = app.slack.ephemerals(engineer).length;
      await clickOn(engineer, 'C0INCIDENTS', before, actionId);
      const told = await toldEphemerally(engineer, seen, refusal);
      expect(told.text).toContain(`PRB-${into.problemId}'s card`);
    }
    const saved = await app.driver.submitView({
      user: engineer,
      viewId: assessment,
      values: assessmentValues,
    });
    expect(saved.body).toMatchObject({
      response_action: 'errors',
      errors: { decision: expect.stringContaining(refusal) },
    });

    // Nothing changed: no ticket (in the database or in Jira), no assessment, no new form, no release.
    await sleep(1500);
    expect(await rows.tickets(dup.problemId)).toHaveLength(0);
    expect(
      [...app.jira.issues.values()].filter((issue) =>
        issue.labels.includes(`frontline-problem-${dup.problemId}`),
      ),
    ).toHaveLength(0);
    expect(await rows.assessments(dup.problemId)).toHaveLength(0);
    expect(app.slack.openViews(engineer)).toHaveLength(viewsBefore);
    expect((await getProblem(db(), dup.problemId))?.status).toBe('merged');
    expect(app.slack.thread('C0INCIDENTS', dup.cardTs).some((m) => m.text?.includes('is released'))).toBe(
      false,
    );

    // The card itself no longer offers RCA work; the problem it went into does.
    await eventually(() => text(card(dup.cardTs)?.blocks).includes(`Merged into PRB-${into.problemId}`));
    expect(rcaButtons(card(dup.cardTs))).toEqual([]);
    expect(rcaButtons(card(into.cardTs))).toEqual(['rca_create_ticket', 'rca_assess', 'rca_fix_released']);
  });

  it("a case waiting to confirm a duplicate's fix waits for the other problem's fix after a merge", async () => {
    const { engineer, manager } = app.people;
    const into = await problemWithCard('Seat count on the renewal ignores removed seats', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const dup = await problemWithCard('Renewal still bills for seats that were removed', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1b },
    ]);
    // The duplicate's fix is released by hand: its requester is asked to confirm with the customer.
    const { escalation: moved, ask } = await releaseByHand(engineer, dup);
    expect((await getEscalation(db(), moved.id))?.status).toBe('awaiting_confirmation');

    const merge = await openFromButton(manager, 'C0INCIDENTS', dup.cardTs, 'problem_merge');
    const merged = await app.driver.submitView({
      user: manager,
      viewId: merge,
      values: { merge_target_input: String(into.problemId) },
    });
    expect(merged.body).toBeFalsy();
    await eventually(async () => (await getProblem(db(), dup.problemId))?.mergedIntoId === into.problemId);
    expect(await getEscalation(db(), moved.id)).toMatchObject({
      problemId: into.problemId,
      status: 'linked',
    });

    // The old question is answered after the merge: it confirms nothing, and the open problem stays open.
    await app.driver.clickButton({
      user: app.people.l1b,
      channel: moved.channel,
      messageTs: ask.ts,
      actionId: 'rca_customer_confirmed',
    });
    await sleep(1500);
    expect((await getEscalation(db(), moved.id))?.status).toBe('linked');
    expect((await getProblem(db(), into.problemId))?.status).not.toBe('closed');
  });

  it('a closed problem takes no more RCA work or classification; its old buttons, forms and /incident say so', async () => {
    const { engineer } = app.people;
    const p = await problemWithCard('Credit note PDF shows an old VAT number', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const before = snapshot(p.cardTs);
    // Forms opened while the problem was open (one person has one form open at a time), submitted after it closed.
    const classification = await openFromButton(
      app.people.manager,
      'C0INCIDENTS',
      p.cardTs,
      'problem_classify',
    );
    const assessment = await openFromButton(engineer, 'C0INCIDENTS', p.cardTs, 'rca_assess');

    // The fix is released by hand and the only customer confirms it: the problem closes.
    const { escalation: e, ask } = await releaseByHand(engineer, p);
    await app.driver.clickButton({
      user: app.people.l1,
      channel: e.channel,
      messageTs: ask.ts,
      actionId: 'rca_customer_confirmed',
    });
    await eventually(async () => (await getProblem(db(), p.problemId))?.status === 'closed');

    const closed = `PRB-${p.problemId} is closed`;
    for (const actionId of [
      'rca_fix_released',
      'rca_create_ticket',
      'rca_assess',
      'problem_classify',
      'problem_merge',
    ]) {
      const seen = app.slack.ephemerals(engineer).length;
      await clickOn(engineer, 'C0INCIDENTS', before, actionId);
      await toldEphemerally(engineer, seen, closed);
    }
    const seen = app.slack.ephemerals(engineer).length;
    const views = app.slack.openViews(engineer).length;
    await app.driver.command({
      user: engineer,
      channel: 'C0INCIDENTS',
      command: '/incident',
      text: `classify PRB-${p.problemId}`,
    });
    const told = await toldEphemerally(engineer, seen, closed);
    expect(told.text).toContain('cannot be classified again');

    const declared = await app.driver.submitView({
      user: app.people.manager,
      viewId: classification,
      values: {
        classify_answers_input: ['blocks_payments'],
        classify_outcome_input: 'incident',
        classify_severity_input: 'sev2',
        incident_public_title_input: 'Credit notes show an outdated VAT number',
      },
    });
    expect(declared.body).toMatchObject({
      response_action: 'errors',
      errors: { classify_outcome: expect.stringContaining(closed) },
    });
    const assessed = await app.driver.submitView({
      user: engineer,
      viewId: assessment,
      values: assessmentValues,
    });
    expect(assessed.body).toMatchObject({
      response_action: 'errors',
      errors: { decision: expect.stringContaining(closed) },
    });

    await sleep(1500);
    expect(app.slack.openViews(engineer)).toHaveLength(views);
    expect(await rows.incidents(p.problemId)).toHaveLength(0);
    expect(await rows.classifications(p.problemId)).toHaveLength(0);
    expect(await rows.tickets(p.problemId)).toHaveLength(0);
    expect(await rows.assessments(p.problemId)).toHaveLength(0);
    expect(await getProblem(db(), p.problemId)).toMatchObject({ status: 'closed', kind: null });

    // The card says closed and offers neither RCA work nor classifying.
    await eventually(() => text(card(p.cardTs)?.blocks).includes('unclassified, closed'));
    expect(actionIds(card(p.cardTs))).not.toContain('problem_classify');
    expect(actionIds(card(p.cardTs))).not.toContain('problem_merge');
    expect(rcaButtons(card(p.cardTs))).toEqual([]);
  });

  it('a classification form that someone else answered first is refused, naming who; requesters hear once', async () => {
    const { engineer, manager } = app.people;
    const p = await problemWithCard('Proration credit missing after a mid-cycle downgrade', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const first = await openFromButton(engineer, 'C0INCIDENTS', p.cardTs, 'problem_classify');
    const second = await openFromCommand(manager, `classify PRB-${p.problemId}`);
    const view = structuredClone(app.slack.view(first));

    const accepted = await app.driver.submitView({
      user: engineer,
      viewId: first,
      values: bugValues('sev4'),
    });
    expect(accepted.body).toBeFalsy();
    await eventually(async () => (await getProblem(db(), p.problemId))?.kind === 'bug');
    const refused = await app.driver.submitView({ user: manager, viewId: second, values: bugValues('sev3') });
    expect(refused.body).toMatchObject({
      response_action: 'errors',
      errors: {
        classify_outcome: expect.stringContaining(
          `<@${engineer}> classified PRB-${p.problemId} as a bug (SEV4) while this form was open`,
        ),
      },
    });

    // The same submission delivered again (as a retry would bring it) changes nothing either.
    const retried = await app.driver.raw(
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'view_submission',
          team: { id: 'T0FRONTLINE', domain: 'frontline' },
          user: { id: engineer, username: 'engineer', name: 'engineer', team_id: 'T0FRONTLINE' },
          trigger_id: '1.2.retry',
          view: { ...view, state: { values: accepted.values } },
        }),
      }).toString(),
      { contentType: 'application/x-www-form-urlencoded', headers: { 'x-slack-retry-num': '1' } },
    );
    expect(retried.status).toBe(200);
    expect(retried.text).toBe('');

    const e = p.escalations[0];
    if (!e) throw new Error('no escalation');
    await eventually(() => threadTexts(e).some((t) => t.includes('confirmed as a bug')));
    await sleep(1500);
    expect(await rows.classifications(p.problemId)).toMatchObject([{ severity: 'sev4', actorId: engineer }]);
    expect(threadTexts(e).filter((t) => t.includes('confirmed as a bug'))).toHaveLength(1);

    // A form opened after the decision may change it: stored and shown on the card, and the requester, who already
    // knows it is a bug, is not told again.
    const third = await openFromCommand(manager, `classify PRB-${p.problemId}`);
    const changed = await app.driver.submitView({ user: manager, viewId: third, values: bugValues('sev3') });
    expect(changed.body).toBeFalsy();
    await eventually(() => text(card(p.cardTs)?.blocks).includes('Classified *bug* (SEV3)'));
    await sleep(1500);
    expect(await rows.classifications(p.problemId)).toHaveLength(2);
    expect(threadTexts(e).filter((t) => t.includes('confirmed as a bug'))).toHaveLength(1);
  });

  it('the decision is checked again under the lock: of two forms submitted at once one wins, a repeat is a no-op', async () => {
    const { engineer, manager } = app.people;
    const p = await problemWithCard('Dunning email sent twice for one failed payment', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const ctx = incidentContext(app.running.deps);
    const decision = (actorId: string, severity: 'sev3' | 'sev4'): ClassificationInput => ({
      problemId: p.problemId,
      actorId,
      answers: {
        blocksSubscriptions: false,
        blocksPayments: false,
        cosmeticOnly: true,
        financial: false,
        afterRelease: false,
        customersAffected: 1,
      },
      outcome: 'bug',
      severity,
      reason: '',
      incident: {
        publicTitle: '',
        publicSummary: '',
        components: [],
        impact: 'partial_outage',
        ownerId: actorId,
      },
      // Both forms were opened before anyone classified the problem.
      basedOn: null,
    });
    const results = await Promise.allSettled([
      classifyProblem(ctx, decision(engineer, 'sev4')),
      classifyProblem(ctx, decision(manager, 'sev3')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({
      code: 'conflict',
      userMessage: expect.stringMatching(
        /^<@U0SBX[A-Z]+> classified PRB-\d+ as a bug \(SEV[34]\) while this form/,
      ),
    });
    const [stored] = await rows.classifications(p.problemId);
    // The winner's form delivered again changes nothing.
    const winner = stored?.actorId === engineer ? decision(engineer, 'sev4') : decision(manager, 'sev3');
    await expect(classifyProblem(ctx, winner)).resolves.toEqual({ outcome: 'bug' });
    await sleep(1000);
    expect(await rows.classifications(p.problemId)).toHaveLength(1);
    const e = p.escalations[0];
    if (!e) throw new Error('no escalation');
    expect(threadTexts(e).filter((t) => t.includes('confirmed as a bug'))).toHaveLength(1);
  });

  it("people's words in thread notices are escaped: no @channel, no disguised links", async () => {
    const { engineer } = app.people;
    const title = 'Tax shown twice <!channel> on invoices <https://evil.example|open this> & receipts';
    const workaround = '<!here> resend from <https://evil.example/fix|the portal>';
    const p = await problemWithCard(title, [{ channel: 'C0SUPPORT', requesterId: app.people.l1 }]);
    await db().update(problems).set({ workaround }).where(eq(problems.id, p.problemId));
    const e = p.escalations[0];
    if (!e) throw new Error('no escalation');
    await db()
      .update(escalations)
      .set({ customerName: 'Acme <!everyone> Ltd' })
      .where(eq(escalations.id, e.id));
    const escaped = (t: string) =>
      !/<!channel>|<!here>|<!everyone>|<https:\/\/evil/.test(t) && t.includes('&lt;');

    // Classified as a bug: the requester hears it with the title and workaround as written, not as markup.
    const form = await openFromButton(engineer, 'C0INCIDENTS', p.cardTs, 'problem_classify');
    await app.driver.submitView({ user: engineer, viewId: form, values: bugValues('sev4') });
    const bug = await eventually(() => threadTexts(e).find((t) => t.includes('confirmed as a bug')));
    expect(escaped(bug)).toBe(true);
    expect(bug).toContain(
      '&lt;!channel&gt; on invoices &lt;https://evil.example|open this&gt; &amp; receipts',
    );
    expect(bug).toContain('&lt;!here&gt; resend');

    // A duplicate merged into it: its requester hears the same title and workaround, escaped.
    const dup = await problemWithCard('Invoices list the tax line twice', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1b },
    ]);
    const merge = await openFromButton(engineer, 'C0INCIDENTS', dup.cardTs, 'problem_merge');
    await app.driver.submitView({
      user: engineer,
      viewId: merge,
      values: { merge_target_input: String(p.problemId) },
    });
    const moved = dup.escalations[0];
    if (!moved) throw new Error('no escalation');
    const mergeNotice = await eventually(() =>
      threadTexts(moved).find((t) => t.includes('turned out to be')),
    );
    expect(escaped(mergeNotice)).toBe(true);

    // A new case linked to it from its card: the reply names the problem and its workaround, escaped.
    const seen = new Set(app.slack.openViews(app.people.l2).map((v) => v.id));
    await app.driver.command({
      user: app.people.l2,
      channel: 'C0SUPPORT',
      command: '/escalate',
      text: 'Tax shown twice on invoices and receipts',
    });
    const escalateForm = await eventually(
      () => app.slack.openViews(app.people.l2).find((v) => !seen.has(v.id))?.id,
    );
    await app.driver.submitView({
      user: app.people.l2,
      viewId: escalateForm,
      values: {
        customer_select: HALCYON,
        category_select: 'other',
        details_input: 'The invoice and the receipt both list the tax line twice.',
      },
    });
    const dm = String(app.slack.dmChannel(app.people.l2));
    const escalationCard = await eventually(() =>
      app.slack.messages(dm).find((m) => text(m.blocks).includes(`escalation_link_${p.problemId}`)),
    );
    await app.driver.clickButton({
      user: app.people.l2,
      channel: dm,
      messageTs: escalationCard.ts,
      actionId: `escalation_link_${p.problemId}`,
    });
    const linked = await eventually(() =>
      app.slack
        .thread(dm, escalationCard.thread_ts ?? escalationCard.ts)
        .map((m) => m.text ?? '')
        .concat(app.slack.messages(dm).map((m) => m.text ?? ''))
        .find((t) => t.includes('This case is now part of')),
    );
    expect(escaped(linked)).toBe(true);

    // The fix is released and the customer still sees it: the reason and the customer's name reach the owner and
    // the problem's thread as written.
    await app.driver.clickButton({
      user: engineer,
      channel: 'C0INCIDENTS',
      messageTs: p.cardTs,
      actionId: 'rca_fix_released',
    });
    const ask = await eventually(() =>
      app.slack.thread(e.channel, e.threadTs).find((m) => text(m.blocks).includes('rca_still_broken')),
    );
    expect(ask.text).toContain('Acme &lt;!everyone&gt; Ltd');
    const stillBroken = await openFromButton(app.people.l1, e.channel, ask.ts, 'rca_still_broken');
    await app.driver.submitView({
      user: app.people.l1,
      viewId: stillBroken,
      values: { reason_input: '<!channel> still wrong, see <https://evil.example|the invoice>' },
    });
    const reopened = (t: string | undefined) => t?.includes('is reopened');
    const toOwner = await eventually(() =>
      app.slack.messages(String(app.slack.dmChannel(engineer))).find((m) => reopened(m.text)),
    );
    const inThread = await eventually(() =>
      app.slack.thread('C0INCIDENTS', p.cardTs).find((m) => reopened(m.text)),
    );
    for (const posted of [toOwner.text ?? '', inThread.text ?? '']) {
      expect(escaped(posted)).toBe(true);
      expect(posted).toContain('Acme &lt;!everyone&gt; Ltd');
      expect(posted).toContain('&lt;!channel&gt; still wrong');
    }
  });
});
