import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config.js';
import { RELEASE_DECISIONS, releaseWording, suggestRelease } from '../../src/domain/release.js';
import { adfToText } from '../../src/sandbox/fakes/jira-fake.js';
import {
  assessmentModal,
  assessmentSummary,
  confirmationRequest,
  customerReply,
  marketingNotice,
  queueMessage,
  rcaProblemButtons,
  requesterDecisionReply,
  ticketChangeNotice,
} from '../../src/views/rca.js';
import {
  factsChangedComment,
  type RcaTicketModel,
  rcaDescription,
  rcaFacts,
} from '../../src/views/rca-document.js';

const model: RcaTicketModel = {
  problemId: 7,
  title: 'Invoice PDF totals wrong',
  kind: 'bug',
  rootCause: 'started 3 Nov; caused by XD-1',
  fixEta: 'a patch',
  dataCleanup: 'regenerate PDFs',
  severity: 'major',
  priorityScore: 70,
  priorityExplanation: ['Size: …', 'Segment: …', 'Age: …', 'Impact: …'],
  affectedCustomers: 2,
  revenueAtRisk: '$2,500.00/mo',
  topCustomers: ['Halcyon Freight: $2,400.00/mo'],
  linkedCases: ['ESC-1 Halcyon'],
  incidentUrl: undefined,
  assessment: ['Started: 3 Nov'],
  releaseDecision: 'Patch',
  workaround: 'download again',
  state: 'open',
};

describe('RCA views', () => {
  it('the customer reply calls every non-patch version tentative, and never says so for a patch', () => {
    for (const decision of RELEASE_DECISIONS) {
      const text = customerReply({ decision, fixVersion: '7.3', workaround: undefined });
      if (decision === 'patch') expect(text).not.toMatch(/tentative/i);
      else expect(text).toMatch(/tentative/i);
      expect(text.length).toBeLessThan(600);
    }
  });

  it('the requester reply carries the ready-to-send text within block limits', () => {
    const reply = requesterDecisionReply({
      escalationId: 1,
      problemId: 7,
      title: 'x',
      decision: 'next_sprint',
      suggested: 'next_sprint',
      suggestionReason: 'long-standing',
      overrideReason: undefined,
      fixVersion: '8.0',
      severity: 'minor',
      workaround: 'w'.repeat(2500),
      jiraKey: 'RCA-1',
      assessedBy: 'U0ENG',
    });
    for (const block of reply.blocks)
      if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(reply.blocks)).toContain('Ready to send');
  });

  it('the assessment modal fits Slack limits', () => {
    const view = assessmentModal({ problemId: 7, title: 'x'.repeat(300), values: {}, suggestion: undefined });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.callback_id).toBe('rca_assessment');
  });

  it('the assessment modal shows the rules’ suggestion and its reason, refreshed by the answers that decide it', () => {
    const blank = assessmentModal({ problemId: 7, title: 'x', values: {}, suggestion: undefined });
    const suggestionBlock = (view: typeof blank) =>
      view.blocks.find((block) => block.block_id === 'release_suggestion') as
        | { text: { text: string } }
        | undefined;
    expect(suggestionBlock(blank)?.text.text).toContain('once you say whether the application runs');
    // The answers that decide the suggestion dispatch their changes; free text does not.
    const dispatching = blank.blocks
      .filter(
        (block) =>
          block.type === 'input' && (block as { dispatch_action?: boolean }).dispatch_action === true,
      )
      .map((block) => block.block_id);
    expect(dispatching.sort()).toEqual(
      ['app_running', 'financial', 'long_standing', 'scope', 'workaround_easy'].sort(),
    );

    const values = {
      applicationRunning: true,
      financial: false,
      scope: 'all' as const,
      workaround: 'Use the portal copy',
      workaroundEasy: true,
      decision: 'next_sprint',
      fixVersion: '7.3',
    };
    const suggestion = suggestRelease({
      ...values,
      startedAt: '',
      causedBy: '',
      affectedFunctionality: '',
      longStanding: false,
    });
    const filled = assessmentModal({ problemId: 7, title: 'x', values, suggestion });
    expect(suggestionBlock(filled)?.text.text).toBe(
      `:compass: *The rules suggest: Next customer compile* — ${suggestion.reason}.`,
    );
    const json = JSON.stringify(filled.blocks);
    expect(json).toContain('Follow the rules: Next customer compile');
    // What the engineer already gave stays in the form.
    expect(json).toContain('"initial_value":"Use the portal copy"');
    expect(json).toContain('"initial_value":"7.3"');
    const decision = filled.blocks.find((block) => block.block_id === 'decision') as {
      element: { initial_option: { value: string } };
    };
    expect(decision.element.initial_option.value).toBe('next_sprint');
  });

  it('the problem card gets Create RCA ticket, Assess and Fix released until the problem closes', () => {
    expect(rcaProblemButtons({ id: 7, status: 'open' }).map((b) => b.action_id)).toEqual([
      'rca_create_ticket',
      'rca_assess',
      'rca_fix_released',
    ]);
    expect(rcaProblemButtons({ id: 7, status: 'closed' })).toEqual([]);
  });

  it('the confirmation request has the two buttons with the escalation in their value', () => {
    const ask = confirmationRequest({
      escalationId: 3,
      problemId: 7,
      customerName: 'Corvid',
      requesterId: 'U0A',
    });
    expect(JSON.stringify(ask.blocks)).toContain('rca_customer_confirmed');
    expect(JSON.stringify(ask.blocks)).toContain('rca_still_broken');
    expect(JSON.stringify(ask.blocks)).toContain('{\\"e\\":3}');
  });

  it('the queue stays within Slack block limits however many problems are open', () => {
    const rows = Array.from({ length: 80 }, (_, index) => ({
      id: index + 1,
      title: 't'.repeat(400),
      status: 'open',
      kind: 'bug',
      score: 80 - index,
      explanation: ['a'.repeat(300), 'b'.repeat(300), 'c'.repeat(300), 'd'.repeat(300)],
      jiraKey: `RCA-${index}`,
      jiraUrl: `https://jira.example.com/browse/RCA-${index}`,
    }));
    const message = queueMessage(rows);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(queueMessage([]).text).toContain('No open problems');
  });

  it('the ticket description is ADF with every fact the issue asks for, with the problem’s values', () => {
    const doc = rcaDescription(model);
    expect(doc).toMatchObject({ type: 'doc', version: 1 });
    const text = adfToText(doc);
    for (const line of [
      'Root cause (as known): started 3 Nov; caused by XD-1',
      'Fix ETA: a patch',
      'Data cleanup plan: regenerate PDFs',
      'Severity: major',
      'Score: 70',
      ...model.priorityExplanation,
      'Customers: 2',
      'Monthly revenue at risk: $2,500.00/mo',
      'Halcyon Freight: $2,400.00/mo',
      'ESC-1 Halcyon',
      'No public incident.',
      'Started: 3 Nov',
      'Release decision: Patch',
      'Workaround: download again',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(Object.keys(rcaFacts(model))).toContain('Release decision');

    // An incident's ticket links its status page entry.
    const url = 'https://status.example.com/status/incidents/4';
    const incident = rcaDescription({ ...model, kind: 'incident', incidentUrl: url });
    expect(adfToText(incident)).not.toContain('No public incident.');
    expect(JSON.stringify(incident)).toContain(`{"type":"link","attrs":{"href":"${url}"}}`);
  });

  it('every message that names a version calls it tentative unless the decision is a patch', () => {
    for (const decision of RELEASE_DECISIONS) {
      const view = {
        problemId: 7,
        title: 'Invoice PDF totals wrong',
        decision,
        suggested: decision,
        suggestionReason: 'the rules say so',
        overrideReason: undefined,
        fixVersion: '7.3',
        severity: 'major',
        workaround: undefined,
        jiraKey: 'RCA-1',
        assessedBy: 'U0ENG',
      };
      const messages = {
        summary: JSON.stringify(assessmentSummary(view)),
        requester: JSON.stringify(requesterDecisionReply({ ...view, escalationId: 1 })),
        marketing: JSON.stringify(
          marketingNotice({
            problemId: 7,
            title: 'x',
            customers: 30,
            revenueAtRisk: '$9.00/mo',
            workaround: undefined,
            decision,
            fixVersion: '7.3',
          }),
        ),
        jiraChange: ticketChangeNotice({
          jiraKey: 'RCA-1',
          jiraUrl: 'https://jira.example.com/browse/RCA-1',
          changes: [{ label: 'Fix version', before: '7.2', after: '7.3' }],
          decision,
        }),
        jiraComment: adfToText(
          factsChangedComment([
            { label: 'Fix ETA', before: undefined, after: releaseWording(decision, '7.3') },
          ]),
        ),
      };
      for (const [where, text] of Object.entries(messages)) {
        expect(text, `${where} names the version`).toContain('7.3');
        if (decision === 'patch') expect(text, `${where} (patch)`).not.toMatch(/tentative/i);
        else expect(text, `${where} (${decision})`).toMatch(/tentative/i);
      }
    }
    // A version set in Jira before anyone decided is not firm either; other changes are not called tentative.
    const undecided = ticketChangeNotice({
      jiraKey: 'RCA-1',
      jiraUrl: 'https://jira.example.com/browse/RCA-1',
      changes: [
        { label: 'Fix version', before: undefined, after: '7.3' },
        { label: 'Status', before: 'To Do', after: 'In Progress' },
      ],
      decision: undefined,
    });
    expect(undecided.split('\n')[1]).toContain('tentative');
    expect(undecided.split('\n')[2]).not.toContain('tentative');
  });
});

describe('RCA settings', () => {
  it('defaults reproduce the documented weights and thresholds', () => {
    const { settings } = parseSettings({}, 'test');
    expect(settings?.priority.weights).toEqual({ size: 30, segment: 25, age: 15, impact: 30 });
    expect(settings?.jira.issueTypes).toEqual({ bug: 'Bug', incident: 'Incident' });
    expect(settings?.notifications.largeImpact.customers).toBe(25);
  });

  it('accepts custom weights and refuses unknown keys and negative weights', () => {
    expect(
      parseSettings({ priority: { weights: { impact: 100 } } }, 'test').settings?.priority.weights.impact,
    ).toBe(100);
    expect(
      parseSettings({ priority: { weights: { popularity: 1 } } }, 'test').settingsProblems,
    ).not.toHaveLength(0);
    expect(parseSettings({ priority: { weights: { size: -1 } } }, 'test').settingsProblems).not.toHaveLength(
      0,
    );
  });
});
