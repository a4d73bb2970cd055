import { describe, expect, it } from 'vitest';
import { mrkdwnHtml, plainHtml } from '../../src/sandbox/web/mrkdwn.js';

const names = {
  user: (id: string) => ({ U0SBXL2: 'Priya Raman' })[id] ?? id,
  channel: (id: string) => ({ C0INTAKE: 'billing-intake' })[id] ?? id,
};

describe('the sandbox page renders mrkdwn', () => {
  it('formats bold, italic, strike, code, quotes and code blocks', () => {
    expect(mrkdwnHtml('*bold* _italic_ ~gone~ `x < y`', names)).toBe(
      '<b>bold</b> <i>italic</i> <s>gone</s> <code>x &lt; y</code>',
    );
    expect(mrkdwnHtml('> quoted\nplain', names)).toBe('<blockquote>quoted</blockquote>plain');
    expect(mrkdwnHtml('```\n*not bold*\n```', names)).toBe('<pre>*not bold*\n</pre>');
    expect(mrkdwnHtml('2*3*4 and snake_case_name', names)).toBe('2*3*4 and snake_case_name');
  });

  it('shows links, user, channel and special mentions by name', () => {
    expect(mrkdwnHtml('<https://example.com/a?b=1&amp;c=2|the page>', names)).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener">the page</a>',
    );
    expect(mrkdwnHtml('<@U0SBXL2> in <#C0INTAKE> <!here>', names)).toBe(
      '<span class="mention">@Priya Raman</span> in <span class="mention">#billing-intake</span> <span class="mention">@here</span>',
    );
  });

  it('never lets app text inject markup or script links', () => {
    expect(mrkdwnHtml('<script>alert(1)</script>', names)).not.toContain('<script');
    expect(mrkdwnHtml('&lt;img src=x onerror=alert(1)&gt;', names)).toBe(
      '&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(mrkdwnHtml('<javascript:alert(1)|click>', names)).toBe('click');
    expect(plainHtml('<b>not bold</b> :white_check_mark:')).toBe('&lt;b&gt;not bold&lt;/b&gt; ✅');
  });
});
