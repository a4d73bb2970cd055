import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config.js';
import { RELEASE_DECISIONS } from '../../src/domain/release.js';
import {
  assessmentModal,
  confirmationRequest,
  customerReply,
  queueMessage,
  rcaProblemButtons,
  requesterDecisionReply,
} from '../../src/views/rca.js';
import { type RcaTicketModel, rcaDescription, rcaFacts } from '../../src/views/rca-document.js';

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
    const view = assessmentModal({
      problemId: 7,
      title: 'x'.repeat(300),
      previous: undefined,
      previousSuggestion: undefined,
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.callback_id).toBe('rca_assessment');
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

  it('the ticket description is ADF with every fact the issue asks for', () => {
    const doc = rcaDescription(model);
    expect(doc).toMatchObject({ type: 'doc', version: 1 });
    const text = JSON.stringify(doc);
    for (const part of [
      'Root cause',
      'Fix ETA',
      'Data cleanup plan',
      'Severity',
      'Score',
      'Affected customers',
      'Linked cases',
      'Incident',
      'Engineering assessment',
      'Release decision',
    ]) {
      expect(text).toContain(part);
    }
    expect(Object.keys(rcaFacts(model))).toContain('Release decision');
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
