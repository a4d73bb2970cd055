import { existsSync, rmSync, statSync } from 'node:fs';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem } from '../../src/db/repositories/problems.js';
import {
  incidents,
  outboundMessages,
  problemClassifications,
  problemMerges,
  rcaTickets,
  statusUpdates,
} from '../../src/db/schema/index.js';
import { POST_METADATA_EVENT } from '../../src/integrations/slack/messages.js';
import type { SlackMessage } from '../../src/sandbox/fakes/slack-fake.js';
import { saveAssessment } from '../../src/services/assessment.js';
import { sendDueReminders } from '../../src/services/incident.js';
import { syncTriageCard } from '../../src/services/triage.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { DATABASE_KINDS } from '../support/database.js';
import { escalationRow, type SeededProblem, seedProblemWithEscalations } from '../support/incidents.js';

const text = (value: unknown) => JSON.stringify(value ?? []);
const keyOf = (m: SlackMessage) =>
  m.metadata?.event_type === POST_METADATA_EVENT
    ? String((m.metadata.event_payload as { key?: string }).key)
    : undefined;

describe.each(DATABASE_KINDS)('triage, incidents and status updates (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind });
    app.slack.addChannel({ id: 'C0SUPPORTB', name: 'support-emea' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const db = () => app.running.deps.db;

  async function problemWithCard(
    title: string,
    threads: SeededProblem extends never
      ? never
      : Parameters<typeof seedProblemWithEscalations>[2]['threads'],
  ) {
    const seeded = await seedProblemWithEscalations(db(), app.slack, { title, threads });
    await syncTriageCard(
      { db: db(), slack: app.running.deps.integrations.slack, settings: app.running.deps.settings },
      seeded.problemId,
    );
    const problem = await getProblem(db(), seeded.problemId);
    if (!problem?.triageTs) throw new Error('no triage card');
    return { ...seeded, cardTs: problem.triageTs };
  }

  async function openFromButton(
    user: string,
    channel: string,
    messageTs: string,
    actionId: string,
  ): Promise<string> {
    const seen = new Set(app.slack.openViews(user).map((v) => v.id));
    const answer = await app.driver.clickButton({ user, channel, messageTs, actionId });
    expect(answer.status).toBe(200);
    return eventually(() => app.slack.openViews(user).find((v) => !seen.has(v.id))?.id);
  }

  async function openFromCommand(user: string, commandText: string): Promise<string> {
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

  /** The messages Frontline posted in a thread, by their key. */
  const postedIn = (channel: string, threadTs: string) =>
    app.slack
      .thread(channel, threadTs)
      .filter((m) => m.ts !== threadTs)
      .map((m) => ({ key: keyOf(m), text: m.text ?? '', blocks: text(m.blocks) }));

  it('refuses Classify from someone without an engineer or manager role', async () => {
    const p = await problemWithCard('Invoice PDF footer shows the old company address', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    await app.driver.clickButton({
      user: app.people.l1,
      channel: 'C0INCIDENTS',
      messageTs: p.cardTs,
      actionId: 'problem_classify',
    });
    await eventually(() => app.slack.ephemerals(app.people.l1).some((e) => e.text.includes('Not allowed')));
    expect(app.slack.openViews(app.people.l1).some((v) => v.callback_id === 'incident_classify_form')).toBe(
      false,
    );
  });

  /** Declares an incident through the classification form, as a person does; answers it once it has its message. */
  async function declare(input: { title: string; components: string[]; impact: string; severity?: string }) {
    const p = await problemWithCard(input.title, [{ channel: 'C0SUPPORT', requesterId: app.people.l1 }]);
    const viewId = await openFromCommand(app.people.engineer, `classify ${p.problemId}`);
    const answer = await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: {
        classify_answers_input: ['blocks_payments'],
        classify_outcome_input: 'incident',
        classify_severity_input: input.severity ?? 'sev2',
        incident_public_title_input: input.title,
        incident_components_input: input.components,
        incident_impact_input: input.impact,
      },
    });
    expect(answer.body).toBeFalsy();
    return eventually(async () => {
      const [row] = await db().select().from(incidents).where(eq(incidents.problemId, p.problemId));
      return row?.messageTs ? row : undefined;
    });
  }

  /** Posts an update (or resolves) through the incident message's buttons and the form. */
  async function update(
    incident: { id: number; messageTs: string | null },
    how: 'incident_post_update' | 'incident_resolve',
    values: Record<string, string>,
  ) {
    const before = (await db().select().from(statusUpdates).where(eq(statusUpdates.incidentId, incident.id)))
      .length;
    const formId = await openFromButton(app.people.manager, 'C0INCIDENTS', incident.messageTs ?? '', how);
    const answer = await app.driver.submitView({ user: app.people.manager, viewId: formId, values });
    expect(answer.body).toBeFalsy();
    await eventually(
      async () =>
        (await db().select().from(statusUpdates).where(eq(statusUpdates.incidentId, incident.id))).length >
        before,
    );
  }

  /** Each component's state as /status shows it and as components.json says it, once both agree with `expected`. */
  async function publicStates(expected: Record<string, string>) {
    return eventually(async () => {
      const html = await (await fetch(`${app.url}/status`)).text();
      const page = Object.fromEntries(
        [...html.matchAll(/data-component-id="([^"]+)" data-state="([^"]+)"/g)].map((m) => [m[1], m[2]]),
      );
      const json = (await (await fetch(`${app.url}/api/v2/components.json`)).json()) as {
        components: Array<{ id: string; status: string }>;
      };
      const api = Object.fromEntries(json.components.map((c) => [c.id, c.status]));
      const wanted = Object.entries(expected);
      return wanted.every(([id, state]) => page[id] === state && api[id] === state)
        ? { page, api }
        : undefined;
    });
  }

  it('two open incidents on different and shared components: updates and Resolve on one leave the other’s states alone', async () => {
    // A: payments (shared) and invoicing (A's only), partial outage. B: payments (shared) and subscriptions, major.
    const a = await declare({
      title: 'Invoices and payments slow to confirm',
      components: ['payments', 'invoicing'],
      impact: 'partial_outage',
    });
    const b = await declare({
      title: 'Card payments and renewals failing',
      components: ['payments', 'subscriptions'],
      impact: 'major_outage',
    });
    await publicStates({
      payments: 'major_outage',
      invoicing: 'partial_outage',
      subscriptions: 'major_outage',
    });

    // B's form shows every component; invoicing is at "operational" there because B does not hold it. Submitting
    // it as it is, with subscriptions improved, must not clear what A says about invoicing.
    await update(b, 'incident_post_update', {
      update_state_input: 'identified',
      update_public_message_input: 'We found the cause of the failing card payments.',
      'update_component_subscriptions.update_component_input': 'degraded_performance',
    });
    await publicStates({
      payments: 'major_outage',
      invoicing: 'partial_outage',
      subscriptions: 'degraded_performance',
    });
    const [bUpdate] = await db()
      .select()
      .from(statusUpdates)
      .where(eq(statusUpdates.incidentId, b.id))
      .orderBy(desc(statusUpdates.id))
      .limit(1);
    expect(bUpdate?.componentStates).toEqual({
      payments: 'major_outage',
      subscriptions: 'degraded_performance',
    });

    // Resolving B returns B's components only: payments falls back to A's partial outage, not to operational.
    await update(b, 'incident_resolve', {
      update_public_message_input: 'Card payments and renewals work again.',
    });
    await publicStates({
      payments: 'partial_outage',
      invoicing: 'partial_outage',
      subscriptions: 'operational',
    });
    const summary = (await (await fetch(`${app.url}/api/v2/incidents.json`)).json()) as {
      incidents: Array<{
        id: string;
        status: string;
        components: Array<{ id: string; status: string }>;
        incident_updates: Array<{ affected_components: Array<{ code: string; new_status: string }> | null }>;
      }>;
    };
    const resolvedB = summary.incidents.find((incident) => incident.id === String(b.id));
    expect(resolvedB?.status).toBe('resolved');
    expect(resolvedB?.incident_updates[0]?.affected_components).toEqual([
      expect.objectContaining({ code: 'payments', new_status: 'operational' }),
      expect.objectContaining({ code: 'subscriptions', new_status: 'operational' }),
    ]);
    const openA = summary.incidents.find((incident) => incident.id === String(a.id));
    expect(openA?.status).toBe('investigating');
    expect(openA?.components.map((c) => [c.id, c.status])).toEqual([
      ['payments', 'partial_outage'],
      ['invoicing', 'partial_outage'],
    ]);
    // Today's uptime bar agrees: the worst of the day on payments was B's major outage, and it is not over for A.
    const html = await (await fetch(`${app.url}/status`)).text();
    const today = new Date().toISOString().slice(0, 10);
    const payments = html.slice(html.indexOf('data-component-id="payments"'));
    expect(payments).toMatch(new RegExp(`class="bar bar-major_outage" title="[^"]*" data-date="${today}"`));

    // An update of A that leaves payments as it was, then A resolved: everything is operational again.
    await update(a, 'incident_post_update', {
      update_state_input: 'monitoring',
      update_public_message_input: 'Invoices are being confirmed again; we are watching.',
      'update_component_invoicing.update_component_input': 'degraded_performance',
    });
    await publicStates({ payments: 'partial_outage', invoicing: 'degraded_performance' });
    // Resolving while saying a component is still broken is refused on the form: a resolved incident holds nothing.
    const formId = await openFromButton(
      app.people.manager,
      'C0INCIDENTS',
      a.messageTs ?? '',
      'incident_post_update',
    );
    const refused = await app.driver.submitView({
      user: app.people.manager,
      viewId: formId,
      values: {
        update_state_input: 'resolved',
        update_public_message_input: 'Resolved, though invoices are still slow.',
        'update_component_invoicing.update_component_input': 'major_outage',
      },
    });
    expect(refused.body).toMatchObject({
      response_action: 'errors',
      errors: { update_component_invoicing: expect.stringContaining('keep the incident open') },
    });
    expect((await db().select().from(incidents).where(eq(incidents.id, a.id)))[0]?.state).toBe('monitoring');
    await update(a, 'incident_resolve', {
      update_public_message_input: 'Invoices and payments are back to normal.',
    });
    await publicStates({ payments: 'operational', invoicing: 'operational', subscriptions: 'operational' });
  });

  it('cosmetic → the policy suggests bug; accepting it keeps a bug, updates the card and tells the requesters', async () => {
    const p = await problemWithCard('Receipt logo renders blurry on mobile', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
      { channel: 'C0SUPPORTB', requesterId: app.people.l1b },
    ]);
    const viewId = await openFromButton(app.people.engineer, 'C0INCIDENTS', p.cardTs, 'problem_classify');
    expect(text(app.slack.view(viewId)?.blocks)).toContain('SEV1');
    expect(text(app.slack.view(viewId)?.blocks)).toContain('customers cannot pay');
    // Ticking "cosmetic" re-renders the form with the policy's new suggestion.
    await app.driver.interact({
      user: app.people.engineer,
      viewId,
      actionId: 'classify_answers_input',
      input: ['cosmetic_only'],
    });
    await eventually(() =>
      text(app.slack.view(viewId)?.blocks).includes('Policy suggests: bug* — It is cosmetic'),
    );
    const submitted = await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: {
        classify_answers_input: ['cosmetic_only'],
        classify_outcome_input: 'bug',
        classify_severity_input: 'sev4',
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeFalsy();
    await eventually(async () => (await getProblem(db(), p.problemId))?.kind === 'bug');
    const [classification] = await db()
      .select()
      .from(problemClassifications)
      .where(eq(problemClassifications.problemId, p.problemId));
    expect(classification).toMatchObject({
      suggestedOutcome: 'bug',
      outcome: 'bug',
      severity: 'sev4',
      overrideReason: null,
    });
    for (const e of p.escalations)
      await eventually(() =>
        postedIn(e.channel, e.threadTs).some((m) => m.text.includes('confirmed as a bug')),
      );
    await eventually(() =>
      text(app.slack.message('C0INCIDENTS', p.cardTs)?.blocks).includes('Classified *bug* (SEV4)'),
    );
    expect(await db().select().from(incidents).where(eq(incidents.problemId, p.problemId))).toHaveLength(0);
  });

  it('choosing against the suggestion needs a reason; with one it is recorded and shown on the problem', async () => {
    const p = await problemWithCard('Tax line rounding differs by one cent on some invoices', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const viewId = await openFromCommand(app.people.manager, `classify PRB-${p.problemId}`);
    expect(text(app.slack.view(viewId)?.blocks)).toContain('Policy suggests: bug');
    const values = {
      classify_outcome_input: 'incident',
      classify_severity_input: 'sev3',
      incident_public_title_input: 'Some invoices show tax off by one cent',
      incident_public_summary_input: 'A rounding difference affects the tax line of some invoices.',
      incident_components_input: ['invoicing'],
    };
    const refused = await app.driver.submitView({ user: app.people.manager, viewId, values });
    expect(refused.body).toMatchObject({
      response_action: 'errors',
      errors: { classify_reason: expect.stringContaining('policy suggests bug') },
    });
    expect(
      await db()
        .select()
        .from(problemClassifications)
        .where(eq(problemClassifications.problemId, p.problemId)),
    ).toHaveLength(0);

    const accepted = await app.driver.submitView({
      user: app.people.manager,
      viewId,
      values: {
        ...values,
        classify_reason_input: 'Finance flagged it for the audit; customers must hear from us.',
      },
    });
    expect(accepted.body).toBeFalsy();
    await eventually(async () => (await getProblem(db(), p.problemId))?.kind === 'incident');
    const [classification] = await db()
      .select()
      .from(problemClassifications)
      .where(eq(problemClassifications.problemId, p.problemId));
    expect(classification).toMatchObject({
      suggestedOutcome: 'bug',
      outcome: 'incident',
      overrideReason: 'Finance flagged it for the audit; customers must hear from us.',
    });
    await eventually(() =>
      text(app.slack.message('C0INCIDENTS', p.cardTs)?.blocks).includes('Finance flagged it for the audit'),
    );
  });

  it('declare → three updates with state changes → resolve: message edited in place, every thread gets each update once', async () => {
    const p = await problemWithCard('Card payments fail at checkout with a gateway error', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
      { channel: 'C0SUPPORT', requesterId: app.people.l1b },
      { channel: 'C0SUPPORTB', requesterId: app.people.l2 },
    ]);
    const viewId = await openFromButton(app.people.engineer, 'C0INCIDENTS', p.cardTs, 'problem_classify');
    await app.driver.interact({
      user: app.people.engineer,
      viewId,
      actionId: 'classify_answers_input',
      input: ['blocks_payments'],
    });
    await eventually(() =>
      text(app.slack.view(viewId)?.blocks).includes('Policy suggests: incident* — It blocks payments'),
    );
    const declared = await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: {
        classify_answers_input: ['blocks_payments'],
        classify_outcome_input: 'incident',
        classify_severity_input: 'sev2',
        incident_public_title_input: 'Card payments failing at checkout',
        incident_public_summary_input: 'Some card payments fail at checkout. We are looking into it.',
        incident_components_input: ['payments', 'subscriptions'],
        incident_impact_input: 'major_outage',
      },
    });
    expect(declared.body).toBeFalsy();
    const incident = await eventually(async () => {
      const [row] = await db().select().from(incidents).where(eq(incidents.problemId, p.problemId));
      return row?.messageTs ? row : undefined;
    });
    expect(incident).toMatchObject({
      state: 'investigating',
      severity: 'sev2',
      ownerId: app.people.engineer,
      components: ['payments', 'subscriptions'],
    });
    const messageTs = incident.messageTs as string;
    expect(text(app.slack.message('C0INCIDENTS', messageTs)?.blocks)).toContain(`INC-${incident.id}`);
    // Classifying requested the problem's one RCA ticket, and the status page shows the declared component state.
    const [ticket] = await db().select().from(rcaTickets).where(eq(rcaTickets.problemId, p.problemId));
    expect(ticket).toMatchObject({ kind: 'incident' });
    await eventually(async () => {
      const answer = (await (await fetch(`${app.url}/api/v2/components.json`)).json()) as {
        components: Array<{ id: string; status: string }>;
      };
      return answer.components.find((c) => c.id === 'payments')?.status === 'major_outage';
    });
    // What a worried customer sees in a browser, right after the declaration.
    const browser = await launchBrowser();
    const dialogs: string[] = [];
    /** A phone-sized page that records any dialog a script would open (none may). */
    const newPhonePage = async () => {
      const opened = await browser.newPage({ viewport: { width: 390, height: 844 } });
      opened.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      return opened;
    };
    let statusPage = await newPhonePage();
    const componentStates = () =>
      statusPage.$$eval('[data-testid="component"]', (items) =>
        items.map((item) => [
          item.getAttribute('data-component-id'),
          item.querySelector('[data-testid="component-state"]')?.textContent,
        ]),
      );
    await statusPage.goto(`${app.url}/status`);
    expect(await componentStates()).toEqual(
      expect.arrayContaining([
        ['payments', 'Major outage'],
        ['subscriptions', 'Major outage'],
      ]),
    );
    expect(await statusPage.textContent('[data-testid="active-incidents"]')).toContain(
      'Card payments failing at checkout',
    );
    // Each requester's App Home is published again and lists the incident their case now follows.
    for (const requester of [app.people.l1, app.people.l1b, app.people.l2])
      await eventually(() =>
        text(app.slack.home(requester)?.blocks).includes('Card payments failing at checkout'),
      );

    const updates: Array<{ how: 'command' | 'button' | 'resolve'; state: string; message: string }> = [
      {
        how: 'command',
        state: 'identified',
        message: 'We found the cause: a certificate expired at the gateway.',
      },
      {
        how: 'button',
        state: 'monitoring',
        message: 'A new certificate is in place; payments are going through again.',
      },
      {
        how: 'button',
        state: 'identified',
        message: 'A few payments still fail; a second gateway node is affected.',
      },
      {
        how: 'resolve',
        state: 'resolved',
        message: 'All card payments work normally again. <script>alert(1)</script>',
      },
    ];
    let expected = 1;
    for (const update of updates) {
      const formId =
        update.how === 'command'
          ? await openFromCommand(app.people.engineer, `update INC-${incident.id}`)
          : await openFromButton(
              app.people.manager,
              'C0INCIDENTS',
              messageTs,
              update.how === 'resolve' ? 'incident_resolve' : 'incident_post_update',
            );
      const user = update.how === 'command' ? app.people.engineer : app.people.manager;
      const values: Record<string, string> = {
        update_public_message_input: update.message,
        update_internal_note_input: `note ${expected}`,
      };
      if (update.how !== 'resolve') values.update_state_input = update.state;
      const answer = await app.driver.submitView({ user, viewId: formId, values });
      expect(answer.body).toBeFalsy();
      expected += 1;
      await eventually(
        async () =>
          (await db().select().from(statusUpdates).where(eq(statusUpdates.incidentId, incident.id)))
            .length === expected,
      );
      await eventually(() =>
        text(app.slack.message('C0INCIDENTS', messageTs)?.blocks).includes(update.message.slice(0, 30)),
      );
    }

    const [final] = await db().select().from(incidents).where(eq(incidents.id, incident.id));
    expect(final?.state).toBe('resolved');
    // The public status page has the whole timeline, the script as text, and none of the internal notes.
    const page = await eventually(async () => {
      const html = await (await fetch(`${app.url}/status/incidents/${incident.id}`)).text();
      return html.includes('All card payments work normally again') ? html : undefined;
    });
    expect(page).toContain('&lt;script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('note 1');
    // In the browser: the whole timeline newest first, the script shown as text and never run, and this incident's
    // components operational again (another test's incident may still hold a component).
    try {
      await statusPage.goto(`${app.url}/status/incidents/${incident.id}`);
      const timeline = await statusPage.$$eval('[data-testid="update"]', (items) =>
        items.map((item) => [
          item.getAttribute('data-state'),
          item.querySelector('[data-testid="update-message"]')?.textContent ?? '',
        ]),
      );
      expect(timeline.map(([state]) => state)).toEqual([
        'resolved',
        'identified',
        'monitoring',
        'identified',
        'investigating',
      ]);
      expect(timeline[0]?.[1]).toBe('All card payments work normally again. <script>alert(1)</script>');
      await statusPage.screenshot({
        path: artifactPath(`incident-flow-incident-${kind}.png`),
        fullPage: true,
      });
      // The page may lag a change by up to `statusPage.refreshSeconds` (1 s), and a browser that saw it a moment ago
      // keeps its copy for `max-age`: a visitor arriving now (a fresh browser context) sees every component back.
      await statusPage.close();
      statusPage = await newPhonePage();
      await eventually(async () => {
        await statusPage.goto(`${app.url}/status`);
        const states = new Map((await componentStates()).map(([id, state]) => [id, state] as const));
        return states.get('payments') === 'Operational' && states.get('subscriptions') === 'Operational';
      });
      // /status itself lists the incident among the past ones with its whole timeline, newest first.
      const onStatus = `[data-testid="past-incidents"] [data-incident-id="${incident.id}"]`;
      expect(await statusPage.textContent(`${onStatus} h3`)).toBe('Card payments failing at checkout');
      const statusTimeline = await statusPage.$$eval(`${onStatus} [data-testid="update"]`, (items) =>
        items.map((item) => [
          item.getAttribute('data-state'),
          item.querySelector('[data-testid="update-message"]')?.textContent ?? '',
        ]),
      );
      expect(statusTimeline).toEqual([
        ['resolved', 'All card payments work normally again. <script>alert(1)</script>'],
        ['identified', 'A few payments still fail; a second gateway node is affected.'],
        ['monitoring', 'A new certificate is in place; payments are going through again.'],
        ['identified', 'We found the cause: a certificate expired at the gateway.'],
        ['investigating', 'Some card payments fail at checkout. We are looking into it.'],
      ]);
      const screenshot = artifactPath(`incident-flow-status-${kind}.png`);
      rmSync(screenshot, { force: true });
      await statusPage.screenshot({ path: screenshot, fullPage: true });
      expect(existsSync(screenshot)).toBe(true);
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
    const publicIncidents = (await (await fetch(`${app.url}/api/v2/incidents.json`)).json()) as {
      incidents: Array<{ id: string; status: string; impact: string; incident_updates: unknown[] }>;
    };
    expect(publicIncidents.incidents.find((i) => i.id === String(incident.id))).toMatchObject({
      status: 'resolved',
      impact: 'major',
      incident_updates: expect.any(Array),
    });
    expect(final?.identifiedAt).toBeInstanceOf(Date);
    expect(final?.monitoringAt).toBeInstanceOf(Date);
    expect(final?.resolvedAt).toBeInstanceOf(Date);
    expect(final?.lastUpdateAt?.getTime()).toBeGreaterThanOrEqual(final?.resolvedAt?.getTime() ?? 0);
    const stored = await db().select().from(statusUpdates).where(eq(statusUpdates.incidentId, incident.id));
    expect(stored.map((u) => u.state)).toEqual([
      'investigating',
      'identified',
      'monitoring',
      'identified',
      'resolved',
    ]);
    expect(stored.at(-1)?.componentStates).toMatchObject({
      payments: 'operational',
      subscriptions: 'operational',
    });

    // Every thread (the incident's and each escalation's) received each of the five updates exactly once.
    const threads = [{ channel: 'C0INCIDENTS', threadTs: messageTs }, ...p.escalations];
    for (const thread of threads) {
      const posted = await eventually(() => {
        const found = postedIn(thread.channel, thread.threadTs).filter((m) =>
          m.key?.startsWith('status-update:'),
        );
        return found.length >= stored.length ? found : undefined;
      });
      expect(posted).toHaveLength(stored.length);
      expect(new Set(posted.map((m) => m.key)).size).toBe(stored.length);
    }
    const requesterThread = postedIn(p.escalations[0]?.channel ?? '', p.escalations[0]?.threadTs ?? '');
    expect(
      requesterThread.some((m) => m.blocks.includes('Resolved') && m.blocks.includes('&lt;script&gt;')),
    ).toBe(true);
    expect(requesterThread.some((m) => m.blocks.includes('note 1'))).toBe(false);

    // The incident message was posted once and edited in place on every change, and offers no buttons once resolved.
    expect(
      app.slack.messages('C0INCIDENTS').filter((m) => m.text?.startsWith(`INC-${incident.id} `)),
    ).toHaveLength(1);
    const edits = app.slack.calls('chat.update').filter((c) => c.args.ts === messageTs && c.ok);
    expect(edits.length).toBeGreaterThanOrEqual(4);
    const resolvedMessage = app.slack.message('C0INCIDENTS', messageTs);
    expect(resolvedMessage?.text).toContain('Resolved');
    expect(text(resolvedMessage?.blocks)).not.toContain('incident_post_update');

    // A resolved incident takes no more updates.
    await app.driver.command({
      user: app.people.engineer,
      channel: 'C0INCIDENTS',
      command: '/incident',
      text: `update ${incident.id}`,
    });
    await eventually(() =>
      app.slack.ephemerals(app.people.engineer).some((e) => e.text.includes('is resolved')),
    );
  });

  it('Change severity edits the incident message; reminders nudge the owner until snoozed or resolved', async () => {
    const p = await problemWithCard('Renewals not charged for annual plans', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const viewId = await openFromCommand(app.people.engineer, `classify ${p.problemId}`);
    await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: {
        classify_answers_input: ['blocks_subscriptions'],
        classify_outcome_input: 'incident',
        classify_severity_input: 'sev2',
        incident_public_title_input: 'Annual renewals delayed',
        incident_components_input: ['subscriptions'],
      },
    });
    const incident = await eventually(async () => {
      const [row] = await db().select().from(incidents).where(eq(incidents.problemId, p.problemId));
      return row?.messageTs ? row : undefined;
    });
    const messageTs = incident.messageTs as string;
    const severityForm = await openFromButton(
      app.people.manager,
      'C0INCIDENTS',
      messageTs,
      'incident_change_severity',
    );
    await app.driver.submitView({
      user: app.people.manager,
      viewId: severityForm,
      values: { severity_choice_input: 'sev1' },
    });
    await eventually(() => app.slack.message('C0INCIDENTS', messageTs)?.text.includes('(SEV1'));

    const deps = app.running.deps;
    const start = incident.lastUpdateAt ?? incident.createdAt;
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    expect(await sendDueReminders(deps, at(29))).not.toContain(incident.id);
    expect(await sendDueReminders(deps, at(31))).toContain(incident.id);
    expect(await sendDueReminders(deps, at(32))).not.toContain(incident.id);
    const reminder = await eventually(() =>
      app.slack
        .thread('C0INCIDENTS', messageTs)
        .find((m) => m.text?.includes('has had no update') && m.text.includes(`<@${app.people.engineer}>`)),
    );
    await app.driver.clickButton({
      user: app.people.engineer,
      channel: 'C0INCIDENTS',
      messageTs: reminder.ts,
      actionId: 'incident_snooze_60',
    });
    await eventually(
      async () => (await db().select().from(incidents).where(eq(incidents.id, incident.id)))[0]?.snoozedUntil,
    );
    await eventually(() => app.slack.message('C0INCIDENTS', reminder.ts)?.text.includes('snoozed'));
    const [snoozed] = await db().select().from(incidents).where(eq(incidents.id, incident.id));
    const until = snoozed?.snoozedUntil as Date;
    expect(await sendDueReminders(deps, new Date(until.getTime() - 60_000))).not.toContain(incident.id);
    expect(await sendDueReminders(deps, new Date(until.getTime() + 1_000))).toContain(incident.id);
    // Resolved through the incident message's Resolve button and its form, as the owner would.
    await update(incident, 'incident_resolve', {
      update_public_message_input: 'Annual renewals are charged on time again.',
    });
    const [resolved] = await db().select().from(incidents).where(eq(incidents.id, incident.id));
    expect(resolved?.state).toBe('resolved');
    expect(await sendDueReminders(deps, new Date(until.getTime() + 24 * 3600_000))).not.toContain(
      incident.id,
    );
  });

  it('Merge into… moves the escalations, records the merge and tells each requester', async () => {
    const into = await problemWithCard('Refunds stuck in pending for EU cards', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1 },
    ]);
    const from = await problemWithCard('EU refund not arriving after a week', [
      { channel: 'C0SUPPORT', requesterId: app.people.l1b },
      { channel: 'C0SUPPORTB', requesterId: app.people.l2 },
    ]);
    // Engineering already decided how the problem merged into gets fixed.
    await saveAssessment(app.running.deps, {
      problemId: into.problemId,
      actorId: app.people.engineer,
      input: {
        answers: {
          startedAt: 'Since the refunds release on 3 November',
          causedBy: '',
          applicationRunning: true,
          financial: true,
          affectedFunctionality: 'EU card refunds',
          scope: 'few',
          longStanding: false,
          workaround: '',
          workaroundEasy: false,
          dataCleanup: '',
        },
        chosen: undefined,
        overrideReason: '',
        fixVersion: '',
      },
    });
    const viewId = await openFromButton(app.people.engineer, 'C0INCIDENTS', from.cardTs, 'problem_merge');
    const answer = await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: { merge_target_input: String(into.problemId) },
    });
    expect(answer.body).toBeFalsy();
    await eventually(async () => (await getProblem(db(), from.problemId))?.mergedIntoId === into.problemId);
    const [merge] = await db()
      .select()
      .from(problemMerges)
      .where(eq(problemMerges.fromProblemId, from.problemId));
    expect(merge).toMatchObject({ intoProblemId: into.problemId, actorId: app.people.engineer });
    expect([...(merge?.escalationIds ?? [])].sort()).toEqual(from.escalations.map((e) => e.id).sort());
    for (const e of from.escalations)
      await eventually(() =>
        postedIn(e.channel, e.threadTs).some((m) => m.text.includes(`now follows PRB-${into.problemId}`)),
      );
    await eventually(() =>
      text(app.slack.message('C0INCIDENTS', from.cardTs)?.blocks).includes(
        `Merged into PRB-${into.problemId}`,
      ),
    );
    const keys = await db().select().from(outboundMessages);
    expect(keys.filter((k) => k.key.startsWith(`merged:${from.problemId}:`))).toHaveLength(2);
    // The moved cases hear the decision the problem's own requester heard, and it is ranked with them.
    for (const e of from.escalations)
      await eventually(() =>
        postedIn(e.channel, e.threadTs).some((m) => text(m.blocks).includes('Ready to send to the customer')),
      );
    await eventually(async () =>
      (await getProblem(db(), into.problemId))?.priorityExplanation.some((line) =>
        line.startsWith('Impact: 3 customers affected'),
      ),
    );
    // Each moved case's card now names the problem it follows.
    for (const e of from.escalations) {
      const row = await escalationRow(db(), e.id);
      expect(row?.problemId).toBe(into.problemId);
      await eventually(() =>
        text(app.slack.message(e.channel, row?.cardTs ?? '')?.blocks).includes(`PRB-${into.problemId}`),
      );
    }
  });
});

describe('dedicated incident channels (when configured)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ settings: { incidents: { dedicatedChannel: true } } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('declaring creates inc-<number>-<slug>, invites the owner, names it on the incident message, and gets the updates', async () => {
    const db = app.running.deps.db;
    const seeded = await seedProblemWithEscalations(db, app.slack, {
      title: 'Plan upgrades fail',
      threads: [{ channel: 'C0SUPPORT', requesterId: app.people.l1 }],
    });
    const seen = new Set(app.slack.openViews(app.people.engineer).map((v) => v.id));
    await app.driver.command({
      user: app.people.engineer,
      channel: 'C0INCIDENTS',
      command: '/incident',
      text: `classify ${seeded.problemId}`,
    });
    const viewId = await eventually(
      () => app.slack.openViews(app.people.engineer).find((v) => !seen.has(v.id))?.id,
    );
    await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: {
        classify_answers_input: ['blocks_subscriptions'],
        classify_outcome_input: 'incident',
        classify_severity_input: 'sev2',
        incident_public_title_input: 'Plan upgrades failing',
        incident_components_input: ['subscriptions'],
        incident_owner_input: app.people.manager,
      },
    });
    const incident = await eventually(async () => {
      const [row] = await db.select().from(incidents).where(eq(incidents.problemId, seeded.problemId));
      return row?.dedicatedChannel && row.messageTs ? row : undefined;
    }, 30_000);
    const channel = app.slack.channel(incident.dedicatedChannel as string);
    expect(channel?.name).toBe(`inc-${incident.id}-plan-upgrades-failing`);
    expect(app.slack.channelMembers(incident.dedicatedChannel as string)).toContain(app.people.manager);
    expect(incident.ownerId).toBe(app.people.manager);
    await eventually(() =>
      text(app.slack.message('C0INCIDENTS', incident.messageTs as string)?.blocks).includes(
        `<#${incident.dedicatedChannel}>`,
      ),
    );
    await eventually(() =>
      app.slack
        .messages(incident.dedicatedChannel as string)
        .some((m) => keyOf(m)?.startsWith('status-update:')),
    );
  });
});
