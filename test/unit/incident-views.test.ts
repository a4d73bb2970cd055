import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, suggestClassification } from '../../src/domain/policy.js';
import {
  classificationModal,
  incidentMessage,
  reminderMessage,
  statusUpdateModal,
  updatePost,
} from '../../src/views/incident.js';

const components = [
  { id: 'payments', name: 'Card payments' },
  { id: 'subscriptions', name: 'Subscriptions and renewals' },
];
const incident = {
  id: 9,
  problemId: 4,
  publicTitle: 'Card payments failing <b>now</b>',
  publicSummary: 'x'.repeat(5000),
  severity: 'sev2',
  state: 'monitoring',
  components: ['payments'],
  ownerId: 'U0OWNER',
  createdAt: new Date('2026-11-23T10:00:00Z'),
  identifiedAt: new Date('2026-11-23T10:10:00Z'),
  monitoringAt: new Date('2026-11-23T10:20:00Z'),
  resolvedAt: null,
  lastUpdateAt: new Date('2026-11-23T10:20:00Z'),
  dedicatedChannel: null,
};
const update = {
  state: 'monitoring',
  publicMessage: 'Fixed <script>alert(1)</script>',
  internalNote: 'rolled back deploy 812',
  componentStates: { payments: 'degraded_performance' },
  authorId: 'U0ENG',
  createdAt: new Date('2026-11-23T10:20:00Z'),
};

const allTexts = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allTexts);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allTexts);
  return [];
};

describe('incident views', () => {
  it('the incident message escapes what people wrote, stays within Slack limits, and offers the next steps', () => {
    const message = incidentMessage(incident, update, components);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('&lt;script&gt;');
    expect(json).not.toContain('<script>');
    expect(json).toContain('incident_post_update');
    expect(json).toContain('incident_resolve');
    for (const text of allTexts(message.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    const resolved = incidentMessage(
      { ...incident, state: 'resolved', resolvedAt: new Date() },
      update,
      components,
    );
    expect(JSON.stringify(resolved.blocks)).not.toContain('incident_post_update');
  });

  it('requesters see the public text only; the team also sees the internal note', () => {
    const team = JSON.stringify(updatePost(incident, update, components, 'team').blocks);
    const requester = JSON.stringify(updatePost(incident, update, components, 'requester').blocks);
    expect(team).toContain('rolled back deploy 812');
    expect(requester).not.toContain('rolled back deploy 812');
    expect(requester).toContain('Degraded performance');
  });

  it('the classification modal shows the suggestion with its reason and every severity definition', () => {
    const answers = {
      blocksSubscriptions: false,
      blocksPayments: true,
      cosmeticOnly: false,
      financial: false,
      afterRelease: false,
      customersAffected: 12,
    };
    const view = classificationModal({
      problemId: 4,
      title: 'Checkout fails',
      answers,
      suggestion: suggestClassification(answers, DEFAULT_POLICY),
      components,
      ownerId: 'U0ENG',
    });
    const json = JSON.stringify(view);
    expect(json).toContain('Policy suggests: incident');
    for (const severity of ['SEV1', 'SEV2', 'SEV3', 'SEV4']) expect(json).toContain(severity);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });

  it('Resolve opens the update form set to resolved with every component operational', () => {
    const view = statusUpdateModal({
      incident,
      components,
      currentStates: { payments: 'major_outage' },
      resolve: true,
    });
    const json = JSON.stringify(view.blocks);
    expect(json).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"Resolved","emoji":true},"value":"resolved"}',
    );
    expect(json).not.toContain('"value":"major_outage"},"action_id"');
  });

  it('reminders mention the owner and offer Snooze 30/60/90', () => {
    const message = reminderMessage({ id: 9, ownerId: 'U0OWNER', severity: 'sev1' }, 31);
    expect(message.text).toContain('<@U0OWNER>');
    const json = JSON.stringify(message.blocks);
    for (const minutes of [30, 60, 90]) expect(json).toContain(`incident_snooze_${minutes}`);
  });
});
