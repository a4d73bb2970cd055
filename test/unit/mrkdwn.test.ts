import { describe, expect, it } from 'vitest';
import { cutAt, escapeTruncated, truncate } from '../../src/views/mrkdwn.js';

describe('shortening user text for Slack', () => {
  it('never cuts an emoji in half', () => {
    const text = `${'a'.repeat(9)}😀 and more`;
    expect(cutAt(text, 10)).toBe('a'.repeat(9));
    expect(cutAt(text, 11)).toBe(`${'a'.repeat(9)}😀`);
    expect(truncate(text, 11)).toBe(`${'a'.repeat(9)}…`);
    expect(truncate('😀😀😀', 4)).toBe('😀…');
    for (let max = 1; max <= text.length; max += 1) {
      const cut = truncate(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });

  it('leaves short text alone and keeps escaped text within the limit', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(cutAt('short', 10)).toBe('short');
    const escaped = escapeTruncated('a & b < c > d '.repeat(50), 40);
    expect(escaped.length).toBeLessThanOrEqual(40);
    expect(escaped).toMatch(/…$/);
    expect(escaped).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });
});
