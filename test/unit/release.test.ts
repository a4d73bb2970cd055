import { describe, expect, it } from 'vitest';
import {
  type Assessment,
  decideRelease,
  type ReleaseDecision,
  releaseWording,
  suggestRelease,
  suggestReleaseForDraft,
} from '../../src/domain/release.js';

const base: Assessment = {
  startedAt: 'since 7.2',
  causedBy: 'XD-101',
  applicationRunning: true,
  financial: false,
  affectedFunctionality: 'invoice PDF footer',
  scope: 'all',
  longStanding: false,
  workaround: '',
  workaroundEasy: false,
};

// Seed 001: severe → patch; impact with an easy workaround → next customer compile; long-standing or low impact →
// next sprint.
const RULES: Array<[string, Partial<Assessment>, ReleaseDecision]> = [
  ['the application is not running', { applicationRunning: false }, 'patch'],
  ['a financial issue', { financial: true }, 'patch'],
  [
    'a financial issue, even with an easy workaround',
    { financial: true, workaround: 'refund', workaroundEasy: true },
    'patch',
  ],
  ['a financial issue, even when long-standing', { financial: true, longStanding: true }, 'patch'],
  ['all customers, no workaround', { scope: 'all' }, 'patch'],
  ['all customers, a hard workaround', { scope: 'all', workaround: 'rebuild by hand' }, 'patch'],
  [
    'all customers, an easy workaround',
    { scope: 'all', workaround: 'use the portal', workaroundEasy: true },
    'next_compile',
  ],
  [
    'general cloud, an easy workaround',
    { scope: 'general_cloud', workaround: 'retry', workaroundEasy: true },
    'next_compile',
  ],
  [
    'first adopters, an easy workaround',
    { scope: 'first_adopters', workaround: 'retry', workaroundEasy: true },
    'next_compile',
  ],
  ['long-standing', { longStanding: true }, 'next_sprint'],
  [
    'long-standing with a workaround',
    { longStanding: true, workaround: 'retry', workaroundEasy: true },
    'next_sprint',
  ],
  ['low impact: a few customers', { scope: 'few' }, 'next_sprint'],
  [
    'an "easy" workaround with no text is no workaround',
    { scope: 'all', workaround: '  ', workaroundEasy: true },
    'patch',
  ],
];

describe('release rules (seed 001)', () => {
  it.each(RULES)('%s', (_name, answers, expected) => {
    const suggestion = suggestRelease({ ...base, ...answers });
    expect(suggestion.decision).toBe(expected);
    expect(suggestion.reason.length).toBeGreaterThan(10);
  });

  it('following the suggestion needs no reason; choosing otherwise does', () => {
    expect(decideRelease({ suggested: 'patch', chosen: undefined, overrideReason: '' })).toMatchObject({
      ok: true,
      decision: 'patch',
      overridden: false,
    });
    expect(decideRelease({ suggested: 'patch', chosen: 'patch', overrideReason: '' })).toMatchObject({
      ok: true,
    });
    const refused = decideRelease({ suggested: 'patch', chosen: 'next_sprint', overrideReason: ' ' });
    expect(refused.ok).toBe(false);
    expect(
      decideRelease({
        suggested: 'patch',
        chosen: 'next_sprint',
        overrideReason: 'Only one test tenant sees it',
      }),
    ).toMatchObject({
      ok: true,
      decision: 'next_sprint',
      overridden: true,
      overrideReason: 'Only one test tenant sees it',
    });
  });

  it('a form still being filled in gets a suggestion once the deciding questions are answered, the same as saved', () => {
    expect(suggestReleaseForDraft({})).toBeUndefined();
    expect(suggestReleaseForDraft({ applicationRunning: true, financial: false })).toBeUndefined();
    expect(suggestReleaseForDraft({ applicationRunning: false, scope: 'few' })).toBeUndefined();
    for (const [, answers, expected] of RULES) {
      const { startedAt: _s, causedBy: _c, affectedFunctionality: _a, ...deciding } = { ...base, ...answers };
      expect(suggestReleaseForDraft(deciding)).toEqual(suggestRelease({ ...base, ...answers }));
      expect(suggestReleaseForDraft(deciding)?.decision).toBe(expected);
    }
    // Unticked boxes and an empty workaround are answers too: the defaults are the form's.
    expect(
      suggestReleaseForDraft({ applicationRunning: true, financial: false, scope: 'all' })?.decision,
    ).toBe('patch');
  });

  it('calls every non-patch version tentative', () => {
    expect(releaseWording('next_compile', '7.3')).toContain('tentatively version 7.3');
    expect(releaseWording('next_sprint', '7.4')).toContain('tentatively version 7.4');
    expect(releaseWording('patch', '7.2.1')).not.toContain('tentative');
  });
});
