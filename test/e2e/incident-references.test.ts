import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidents } from '../../src/db/schema/index.js';
import { parseUpdateForm } from '../../src/views/incident-actions.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedProblemWithEscalations } from '../support/incidents.js';

/**
 * `/incident` reads a reference by its prefix: `update` takes an incident (INC-n or a bare number), `classify` a
 * problem (PRB-n or a bare number). A reference of the other kind is refused with a note saying what it is, and
 * never read as a number of the verb's own kind (which would open the form of an unrelated incident or problem).
 */
describe.each(DATABASE_KINDS)('/incident references (%s)', (kind) => {
  let app: TestApp;
  /** Two incidents whose numbers are crossed with their problems': INC-1 is PRB-2's, INC-2 is PRB-1's. */
  const ids = { first: { problem: 0, incident: 0 }, second: { problem: 0, incident: 0 } };
  let unclassifiedProblem = 0;

  beforeAll(async () => {
    app = await startTestApp({ kind });
    const first = await seed('Invoices show last month’s exchange rate');
    const second = await seed('Card payments fail with a timeout at checkout');
    ids.second = { problem: second, incident: await declare(second) };
    ids.first = { problem: first, incident: await declare(first) };
    unclassifiedProblem = await seed('Credit notes are missing the VAT line');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const db = () => app.running.deps.db;

  async function seed(title: string): Promise<number> {
    const seeded = await seedProblemWithEscalations(db(), app.slack, {
      title,
      threads: [{ channel: 'C0SUPPORT', requesterId: app.people.l1 }],
    });
    return seeded.problemId;
  }

  /** Runs `/incident <text>` as the engineer; answers the id of the form it opened. */
  async function incidentCommand(text: string): Promise<string> {
    const user = app.people.engineer;
    const seen = new Set(app.slack.openViews(user).map((view) => view.id));
    const answer = await app.driver.command({ user, channel: 'C0INCIDENTS', command: '/incident', text });
    expect(answer.status).toBe(200);
    return eventually(() => app.slack.openViews(user).find((view) => !seen.has(view.id))?.id);
  }

  /** Runs `/incident <text>` and answers the ephemeral message it leaves, checking that no form opened. */
  async function refused(text: string): Promise<string> {
    const user = app.people.engineer;
    const views = app.slack.openViews(user).length;
    const before = app.slack.ephemerals(user).length;
    const answer = await app.driver.command({ user, channel: 'C0INCIDENTS', command: '/incident', text });
    expect(answer.status).toBe(200);
    const reply = await eventually(() => app.slack.ephemerals(user)[before]);
    // The answer comes after the handler would have opened a form.
    expect(app.slack.openViews(user), `/incident ${text} opened a form`).toHaveLength(views);
    return reply.text;
  }

  /** Declares the problem an incident through the classification form; answers the incident's id. */
  async function declare(problemId: number): Promise<number> {
    const viewId = await incidentCommand(`classify PRB-${problemId}`);
    const answer = await app.driver.submitView({
      user: app.people.engineer,
      viewId,
      values: {
        classify_answers_input: ['blocks_payments'],
        classify_outcome_input: 'incident',
        classify_severity_input: 'sev2',
        incident_public_title_input: 'Some payments are failing',
      },
    });
    expect(answer.body).toBeFalsy();
    const row = await eventually(async () => {
      const [found] = await db().select().from(incidents).where(eq(incidents.problemId, problemId));
      return found;
    });
    return row.id;
  }

  const openedIncident = (viewId: string) => parseUpdateForm(app.slack.view(viewId)?.private_metadata)?.i;

  it('crossed numbers: each incident sits on a problem with another number', () => {
    expect(ids.first.incident).not.toBe(ids.first.problem);
    expect(ids.second.incident).not.toBe(ids.second.problem);
    expect(ids.first.incident).toBe(ids.second.problem);
  });

  it('update INC-n and update n open the status update form of incident n', async () => {
    const { incident } = ids.first;
    expect(openedIncident(await incidentCommand(`update INC-${incident}`))).toBe(incident);
    expect(openedIncident(await incidentCommand(`update ${incident}`))).toBe(incident);
  });

  it('update PRB-n is refused with a note that PRB-n is a problem and how to find its incident', async () => {
    // PRB-<first problem> has the number of the second incident: read as a number it would open the wrong form.
    const reply = await refused(`update PRB-${ids.first.problem}`);
    expect(reply).toContain(`PRB-${ids.first.problem} is a problem`);
    expect(reply).toContain('<#C0INCIDENTS>');
    expect(reply).toContain('/incident update INC-');
  });

  it('classify PRB-n and classify n open the classification form; classify INC-n is refused', async () => {
    const byRef = await incidentCommand(`classify PRB-${unclassifiedProblem}`);
    expect(app.slack.view(byRef)?.callback_id).toBe('incident_classify_form');
    const byNumber = await incidentCommand(`classify ${unclassifiedProblem}`);
    expect(app.slack.view(byNumber)?.callback_id).toBe('incident_classify_form');

    // Read as a number, INC-<second incident> would name the first problem, which is another problem altogether.
    const reply = await refused(`classify INC-${ids.second.incident}`);
    expect(reply).toContain(`INC-${ids.second.incident} is an incident`);
    expect(reply).toContain(`/incident update INC-${ids.second.incident}`);
  });

  it('an escalation reference or an unknown prefix is refused with what to use instead', async () => {
    expect(await refused('classify ESC-4')).toContain('ESC-4 is an escalation');
    expect(await refused('update ESC-4')).toContain('INC-');
    expect(await refused('update ABC-4')).toContain('/incident update INC-3');
  });

  it('text it cannot read gets the usage, which names both kinds of reference', async () => {
    const reply = await refused('close 7');
    expect(reply).toContain('/incident classify PRB-');
    expect(reply).toContain('/incident update INC-');
  });
});
