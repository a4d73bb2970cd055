import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { insertIncident } from '../../src/db/repositories/incidents.js';
import { incidents, statusUpdates } from '../../src/db/schema/index.js';
import { POST_METADATA_EVENT } from '../../src/integrations/slack/messages.js';
import type { RecordedRequest } from '../../src/sandbox/fakes/http-fake.js';
import type { SlackMessage } from '../../src/sandbox/fakes/slack-fake.js';
import { syncIncidentMessage } from '../../src/services/incident.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedProblemWithEscalations } from '../support/incidents.js';

const THREADS = 500;
const CHANNELS = 200;

/** An incident of the seeded problem, with its message in the incidents channel (as declaring it leaves it). */
async function incidentOf(
  app: TestApp,
  problemId: number,
  fields: { publicTitle: string; severity: string; components: string[] },
): Promise<{ id: number; messageTs: string }> {
  const deps = app.running.deps;
  const incident = await insertIncident(deps.db, {
    problemId,
    ...fields,
    ownerId: app.people.engineer,
    channel: 'C0INCIDENTS',
  });
  if (!incident) throw new Error('no incident');
  const withMessage = await syncIncidentMessage(
    { db: deps.db, slack: deps.integrations.slack, settings: deps.settings },
    incident.id,
  );
  return { id: incident.id, messageTs: withMessage?.messageTs as string };
}

/** A problem with one linked escalation per channel given (by an L1 agent), and its incident with its message. */
async function incidentWithThreads(app: TestApp, title: string, channels: string[], component: string) {
  const seeded = await seedProblemWithEscalations(app.running.deps.db, app.slack, {
    title,
    withCards: false,
    threads: channels.map((channel) => ({ channel, requesterId: app.people.l1 })),
  });
  const incident = await incidentOf(app, seeded.problemId, {
    publicTitle: title,
    severity: 'sev2',
    components: [component],
  });
  return { incident, threads: seeded.escalations };
}

/** Opens the status update form through `/incident update`, as the engineer does; answers its view id. */
async function openUpdateForm(app: TestApp, incidentId: number): Promise<string> {
  const seen = new Set(app.slack.openViews(app.people.engineer).map((v) => v.id));
  await app.driver.command({
    user: app.people.engineer,
    channel: 'C0INCIDENTS',
    command: '/incident',
    text: `update ${incidentId}`,
  });
  return eventually(() => app.slack.openViews(app.people.engineer).find((v) => !seen.has(v.id))?.id);
}

/** Posts a status update through the form. */
async function postUpdate(app: TestApp, incidentId: number, state: string, message: string): Promise<void> {
  const answer = await app.driver.submitView({
    user: app.people.engineer,
    viewId: await openUpdateForm(app, incidentId),
    values: { update_state_input: state, update_public_message_input: message },
  });
  expect(answer.body).toBeFalsy();
}

const keyOf = (m: SlackMessage) =>
  m.metadata?.event_type === POST_METADATA_EVENT
    ? String((m.metadata.event_payload as { key?: string }).key)
    : undefined;

describe.each(DATABASE_KINDS)('status update fan-out under rate limits and a restart (%s)', (kind) => {
  const apps: TestApp[] = [];
  // Each test's apps stop when it ends: an app left running (its jobs, its embedded database on this thread) would
  // slow the next test's.
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.stop();
  });

  it(`${THREADS} linked escalations in ${CHANNELS} channels, 10% of calls answered 429, a restart midway: each thread gets the update exactly once`, async () => {
    const first = await startTestApp({ kind, slackRateLimit: true });
    apps.push(first);
    const channels = Array.from({ length: CHANNELS }, (_, i) => `C0FAN${String(i).padStart(4, '0')}`);
    for (const [i, id] of channels.entries()) first.slack.addChannel({ id, name: `support-${i}` });
    const requesters = [first.people.l1, first.people.l1b, first.people.l2];
    const seeded = await seedProblemWithEscalations(first.running.deps.db, first.slack, {
      title: 'Checkout rejects every card with a gateway error',
      withCards: false,
      threads: Array.from({ length: THREADS }, (_, i) => ({
        channel: channels[i % CHANNELS] as string,
        requesterId: requesters[i % requesters.length] as string,
      })),
    });
    const deps = first.running.deps;
    const incident = await incidentOf(first, seeded.problemId, {
      publicTitle: 'Card payments failing at checkout',
      severity: 'sev1',
      components: ['payments'],
    });
    const incidentTs = incident.messageTs;

    // The update, through the command and the modal, as a person posts it.
    const formId = await openUpdateForm(first, incident.id);

    // From now on Slack misbehaves: one call in ten is refused with 429 Retry-After: 1, and a few posts take effect
    // but their answer is lost (the case where only a lookup by metadata prevents a second post).
    let refused = 0;
    first.slack.inject({
      match: (request) => {
        if (!request.path.startsWith('/api/') || request.path === '/api/auth.test' || Math.random() >= 0.1)
          return false;
        refused += 1;
        return true;
      },
      response: { status: 429, headers: { 'Retry-After': '1' }, body: { ok: false, error: 'ratelimited' } },
    });
    first.slack.inject({
      match: (request) => request.path === '/api/chat.postMessage',
      times: 3,
      afterHandling: true,
      response: { status: 500, body: 'upstream connect error' },
    });
    const submitted = await first.driver.submitView({
      user: first.people.engineer,
      viewId: formId,
      values: {
        update_state_input: 'identified',
        update_public_message_input: 'We found the cause and are deploying a fix.',
      },
    });
    expect(submitted.status).toBe(200);
    const [update] = await eventually(async () => {
      const rows = await deps.db
        .select()
        .from(statusUpdates)
        .where(eq(statusUpdates.incidentId, incident.id));
      return rows.length > 0 ? rows : undefined;
    });
    const prefix = `status-update:${update?.id}:`;
    const updatePosts = () =>
      [
        ...seeded.escalations.map((e) => ({ channel: e.channel, threadTs: e.threadTs })),
        { channel: 'C0INCIDENTS', threadTs: incidentTs },
      ].map(
        (thread) =>
          first.slack.thread(thread.channel, thread.threadTs).filter((m) => keyOf(m)?.startsWith(prefix))
            .length,
      );
    const delivered = () => updatePosts().filter((n) => n > 0).length;

    // Restart in the middle of the fan-out, on the same database and the same Slack.
    await eventually(() => delivered() >= 100, 60_000);
    await first.running.stop();
    const midway = delivered();
    expect(midway).toBeLessThan(THREADS + 1);
    const second = await startTestApp({ kind, reuse: first, slackRateLimit: true });
    apps.push(second);

    await eventually(() => delivered() === THREADS + 1, 120_000);
    // Give any stray retry time to post a second copy, then check: exactly one copy per thread.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const counts = updatePosts();
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    expect(refused).toBeGreaterThan(THREADS / 20);
    const [row] = await deps.db.select().from(incidents).where(eq(incidents.id, incident.id));
    expect(row?.state).toBe('identified');
  }, 240_000);

  it('the same update form sent twice (its first answer lost) posts one update', async () => {
    const app = await startTestApp({ kind });
    apps.push(app);
    const { incident, threads } = await incidentWithThreads(
      app,
      'Refund emails go out twice',
      ['C0SUPPORT'],
      'refunds',
    );
    const formId = await openUpdateForm(app, incident.id);
    const form = structuredClone(app.slack.view(formId));
    const values = {
      update_state_input: 'identified',
      update_public_message_input: 'We know why refund emails are sent twice.',
    };
    expect((await app.driver.submitView({ user: app.people.engineer, viewId: formId, values })).status).toBe(
      200,
    );
    const again = await app.driver.submitView({
      user: app.people.engineer,
      viewId: formId,
      values,
      asSubmitted: form,
    });
    expect(again.status).toBe(200);
    const thread = threads[0];
    if (!thread) throw new Error('no thread');
    await eventually(() =>
      app.slack
        .thread(thread.channel, thread.threadTs)
        .some((m) => m.text?.includes('refund emails are sent twice')),
    );
    await sleep(500);
    const updates = await app.running.deps.db
      .select()
      .from(statusUpdates)
      .where(eq(statusUpdates.incidentId, incident.id));
    expect(updates).toHaveLength(1);
    expect(
      app.slack
        .thread(thread.channel, thread.threadTs)
        .filter((m) => m.text?.includes('refund emails are sent twice')),
    ).toHaveLength(1);
  });

  it('two updates posted back to back reach every thread in the order written, even when the first is held up', async () => {
    const app = await startTestApp({ kind, slackRateLimit: true });
    apps.push(app);
    const channels = ['C0ORD0001', 'C0ORD0002', 'C0ORD0003'];
    for (const [i, id] of channels.entries()) app.slack.addChannel({ id, name: `support-order-${i}` });
    const seeded = await seedProblemWithEscalations(app.running.deps.db, app.slack, {
      title: 'Renewal invoices charged twice',
      withCards: false,
      threads: Array.from({ length: 12 }, (_, i) => ({
        channel: channels[i % channels.length] as string,
        requesterId: app.people.l1,
      })),
    });
    const incident = await incidentOf(app, seeded.problemId, {
      publicTitle: 'Some renewals charged twice',
      severity: 'sev2',
      components: ['subscriptions'],
    });
    const incidentTs = incident.messageTs;

    // The first update cannot reach two threads for a while: Slack fails attempts there before posting. In one, the
    // run's own retries get through; in the other every attempt of the first run fails, so a later run finishes it.
    const [retried, exhausted] = seeded.escalations as Array<{ channel: string; threadTs: string }>;
    const firstUpdateTo = (thread: { threadTs: string } | undefined) => (request: RecordedRequest) =>
      request.path === '/api/chat.postMessage' &&
      request.rawBody.includes('ORDER-ONE') &&
      request.rawBody.includes(thread?.threadTs ?? '-');
    app.slack.inject({
      match: firstUpdateTo(retried),
      times: 3,
      response: { status: 500, body: 'upstream connect error' },
    });
    app.slack.inject({
      match: firstUpdateTo(exhausted),
      times: 6,
      response: { status: 500, body: 'upstream connect error' },
    });
    for (const [state, message] of [
      ['identified', 'ORDER-ONE: we found why some renewals were charged twice.'],
      ['monitoring', 'ORDER-TWO: duplicate charges are being refunded now.'],
    ])
      await postUpdate(app, incident.id, state as string, message as string);

    const threads = [
      { channel: 'C0INCIDENTS', threadTs: incidentTs },
      ...seeded.escalations.map((e) => ({ channel: e.channel, threadTs: e.threadTs })),
    ];
    const updatesIn = (thread: { channel: string; threadTs: string }) =>
      app.slack
        .thread(thread.channel, thread.threadTs)
        .filter((m) => keyOf(m)?.startsWith('status-update:'))
        .map((m) => (m.text?.includes('ORDER-ONE') ? 'one' : m.text?.includes('ORDER-TWO') ? 'two' : '?'));
    await eventually(() => threads.every((thread) => updatesIn(thread).length >= 2), 90_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const thread of threads) expect(updatesIn(thread), thread.channel).toEqual(['one', 'two']);
    // The held-up threads did take the first update late, and still before the second.
    expect(app.slack.requests.filter(firstUpdateTo(retried)).length).toBeGreaterThan(3);
    expect(app.slack.requests.filter(firstUpdateTo(exhausted)).length).toBeGreaterThan(6);
  }, 180_000);

  it("one incident's long fan-out does not hold back another's, and a thread Slack refuses does not hold back later updates", async () => {
    const app = await startTestApp({ kind, slackRateLimit: true });
    apps.push(app);
    app.slack.addChannel({ id: 'C0LONG0001', name: 'support-long' });
    for (const id of ['C0SIDE0001', 'C0SIDE0002', 'C0SIDE0003'])
      app.slack.addChannel({ id, name: `support-${id.toLowerCase()}` });

    const textsIn = (thread: { channel: string; threadTs: string }) =>
      app.slack
        .thread(thread.channel, thread.threadTs)
        .filter((m) => keyOf(m)?.startsWith('status-update:'))
        .map((m) => String(m.text));

    // 30 threads in one channel: at Slack's pace of about one post a second there, half a minute of posting.
    const long = await incidentWithThreads(
      app,
      'Invoices emailed twice',
      Array.from({ length: 30 }, () => 'C0LONG0001'),
      'subscriptions',
    );
    const side = await incidentWithThreads(
      app,
      'Card updates failing',
      ['C0SIDE0001', 'C0SIDE0002', 'C0SIDE0003'],
      'subscriptions',
    );
    const [refusing, ...others] = side.threads as Array<{ channel: string; threadTs: string }>;
    // Slack refuses the side incident's first update in one thread (a policy of that workspace, say).
    app.slack.inject({
      match: (request) =>
        request.path === '/api/chat.postMessage' &&
        request.rawBody.includes('SIDE-ONE') &&
        request.rawBody.includes(refusing?.threadTs ?? '-'),
      response: { status: 200, body: { ok: false, error: 'restricted_action' } },
    });

    await postUpdate(app, long.incident.id, 'identified', 'LONG-ONE: duplicate invoice emails found.');
    await eventually(() => textsIn(long.threads[0] as { channel: string; threadTs: string }).length === 1);
    await postUpdate(app, side.incident.id, 'identified', 'SIDE-ONE: card updates fail for some banks.');
    await postUpdate(app, side.incident.id, 'monitoring', 'SIDE-TWO: a fix is out; watching.');

    // The side incident's threads get both updates while the long one is still posting.
    for (const thread of others) await eventually(() => textsIn(thread).length === 2, 20_000);
    await eventually(() => refusing !== undefined && textsIn(refusing).length === 1, 20_000);
    const longPosted = long.threads.filter(
      (t) => textsIn(t as { channel: string; threadTs: string }).length > 0,
    );
    expect(longPosted.length).toBeLessThan(long.threads.length);
    for (const thread of others)
      expect(textsIn(thread).map((text) => text.match(/SIDE-\w+/)?.[0])).toEqual(['SIDE-ONE', 'SIDE-TWO']);
    // The refused thread missed the first update and still got the second.
    expect(textsIn(refusing as { channel: string; threadTs: string })[0]).toContain('SIDE-TWO');

    // And the long one finishes: every thread once.
    await eventually(
      () => long.threads.every((t) => textsIn(t as { channel: string; threadTs: string }).length === 1),
      90_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const thread of long.threads)
      expect(textsIn(thread as { channel: string; threadTs: string })).toHaveLength(1);
  }, 180_000);

  it('an update every thread refuses is tried once per job, not again and again', async () => {
    const app = await startTestApp({ kind });
    apps.push(app);
    app.slack.addChannel({ id: 'C0REFUSE01', name: 'support-refusing' });
    const { incident } = await incidentWithThreads(
      app,
      'Receipts without VAT numbers',
      ['C0REFUSE01'],
      'invoicing',
    );
    const refusedPost = (request: RecordedRequest) =>
      request.path === '/api/chat.postMessage' && request.rawBody.includes('ALL-REFUSED');
    app.slack.inject({
      match: refusedPost,
      response: { status: 200, body: { ok: false, error: 'restricted_action' } },
    });
    await postUpdate(app, incident.id, 'identified', 'ALL-REFUSED: the VAT number is missing on receipts.');
    // Two threads (the incident's and the case's), each refused once; then the job ends.
    await eventually(() => app.slack.requests.filter(refusedPost).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(app.slack.requests.filter(refusedPost)).toHaveLength(2);
  }, 60_000);

  it('when Slack refuses the app itself (a revoked token), the update waits and arrives once the app is let in', async () => {
    const app = await startTestApp({ kind });
    apps.push(app);
    app.slack.addChannel({ id: 'C0AUTH0001', name: 'support-auth' });
    const { incident, threads: cases } = await incidentWithThreads(
      app,
      'Card updates rejected',
      ['C0AUTH0001'],
      'billing-portal',
    );
    const post = (request: RecordedRequest) =>
      request.path === '/api/chat.postMessage' && request.rawBody.includes('AUTH-GONE');
    const clear = app.slack.inject({
      match: post,
      response: { status: 200, body: { ok: false, error: 'token_revoked' } },
    });
    await postUpdate(app, incident.id, 'identified', 'AUTH-GONE: card updates are rejected for some banks.');
    await eventually(() => app.slack.requests.filter(post).length >= 2);
    clear();
    const threads = [
      { channel: 'C0INCIDENTS', threadTs: incident.messageTs },
      ...cases.map((e) => ({ channel: e.channel, threadTs: e.threadTs })),
    ];
    const updatesIn = (thread: { channel: string; threadTs: string }) =>
      app.slack.thread(thread.channel, thread.threadTs).filter((m) => m.text?.includes('AUTH-GONE'));
    await eventually(() => threads.every((thread) => updatesIn(thread).length === 1), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const thread of threads) expect(updatesIn(thread)).toHaveLength(1);
  }, 60_000);
});
