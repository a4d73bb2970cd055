import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  SEVERITIES,
  SEVERITY_DEFINITIONS,
  suggestClassification,
} from '../../src/domain/policy.js';
import {
  classificationModal,
  incidentMessage,
  reminderMessage,
  severityModal,
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

  it('an update full of characters that escaping lengthens still fits a section, cut whole at an entity', () => {
    const heavy = { ...update, publicMessage: `${'R&D <ops> '.repeat(250)}`, internalNote: '&'.repeat(1000) };
    for (const audience of ['team', 'requester'] as const) {
      const post = updatePost({ ...incident, publicTitle: '&'.repeat(300) }, heavy, components, audience);
      for (const text of allTexts(post.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
      const section = (post.blocks[0] as { text: { text: string } }).text.text;
      expect(section).toMatch(/(&amp;|&lt;|&gt;|[^&;])…$/);
      expect(section).not.toMatch(/&(a|am|amp|l|lt|g|gt)…$/);
    }
  });

  it('the classification modal shows the suggestion with its reason and every severity definition in full', () => {
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
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    // Severity is a radio group, and every definition is shown whole, as text a person reads, not cut to fit.
    const at = view.blocks.findIndex((block) => block.block_id === 'classify_severity');
    const input = view.blocks[at] as { element: { type: string; options: Array<{ value: string }> } };
    expect(input.element.type).toBe('radio_buttons');
    expect(input.element.options.map((o) => o.value)).toEqual([...SEVERITIES]);
    const shown = allTexts(view.blocks[at + 1]).join('\n');
    for (const severity of SEVERITIES) {
      expect(shown).toContain(SEVERITY_DEFINITIONS[severity]);
      expect(SEVERITY_DEFINITIONS[severity].length).toBeGreaterThan(75);
    }
    expect(json).not.toContain('…');
    // The same choice when the severity of a declared incident changes.
    const change = severityModal(incident);
    expect((change.blocks[0] as { element: { type: string } }).element.type).toBe('radio_buttons');
    for (const severity of SEVERITIES)
      expect(allTexts(change.blocks).join('\n')).toContain(SEVERITY_DEFINITIONS[severity]);
  });

  it('Resolve opens the update form set to resolved, returning only this incident’s components to operational', () => {
    const view = statusUpdateModal({
      incident: { ...incident, components: ['payments'] },
      components: [...components, { id: 'invoicing', name: 'Invoices' }],
      held: { payments: 'major_outage' },
      elsewhere: [{ incidentId: 3, componentId: 'payments', state: 'partial_outage' }],
      resolve: true,
    });
    const state = view.blocks.find((block) => block.block_id === 'update_state') as {
      element: { initial_option: { value: string } };
    };
    expect(state.element.initial_option.value).toBe('resolved');
    // Nothing to choose per component: no component select at all, so nothing can be set to anything but operational.
    expect(view.blocks.filter((block) => block.block_id?.startsWith('update_component_'))).toEqual([]);
    const listed = allTexts(
      view.blocks.find((block) => block.block_id === 'update_resolved_components'),
    ).join('');
    expect(listed).toContain('Card payments: Operational');
    expect(listed).toContain('still held by INC-3 (Partial outage)');
    expect(listed).not.toContain('Subscriptions');
    expect(listed).not.toContain('Invoices');

    // The ordinary update form shows this incident's own states, and says what another incident holds.
    const update = statusUpdateModal({
      incident: { ...incident, components: ['payments'] },
      components,
      held: { payments: 'major_outage' },
      elsewhere: [{ incidentId: 3, componentId: 'subscriptions', state: 'partial_outage' }],
      resolve: false,
    });
    const select = (id: string) =>
      update.blocks.find((block) => block.block_id === `update_component_${id}`) as {
        hint?: { text: string };
        element: { initial_option: { value: string } };
      };
    expect(select('payments').element.initial_option.value).toBe('major_outage');
    expect(select('subscriptions').element.initial_option.value).toBe('operational');
    expect(select('subscriptions').hint?.text).toContain('INC-3 (Partial outage)');
  });

  it('reminders mention the owner and offer Snooze 30/60/90', () => {
    const message = reminderMessage({ id: 9, ownerId: 'U0OWNER', severity: 'sev1' }, 31);
    expect(message.text).toContain('<@U0OWNER>');
    const json = JSON.stringify(message.blocks);
    for (const minutes of [30, 60, 90]) expect(json).toContain(`incident_snooze_${minutes}`);
  });
});
