import { describe, expect, it } from 'vitest';
import { checkClassification, rcaWorkRefusal } from '../../src/domain/problem-standing.js';
import { escalationCard, linkedReply } from '../../src/views/escalation.js';
import { bugNotice, mergeNotice, triageButtons } from '../../src/views/incident.js';
import { encodeClassifyForm, parseClassifyForm } from '../../src/views/incident-actions.js';
import { mrkdwnLink } from '../../src/views/mrkdwn.js';
import { confirmationRequest, rcaProblemButtons, ticketChangeNotice } from '../../src/views/rca.js';

const open = { id: 4, status: 'open', mergedIntoId: null, kind: 'bug' };
const merged = { id: 4, status: 'merged', mergedIntoId: 9, kind: null };
const closed = { id: 4, status: 'closed', mergedIntoId: null, kind: 'bug' };
const ids = (buttons: Array<{ action_id?: string }>) => buttons.map((button) => button.action_id);

describe('what a problem still takes', () => {
  it('RCA work: refused on a merged duplicate (naming where it went) and on a closed problem', () => {
    expect(rcaWorkRefusal(open)).toBeUndefined();
    expect(rcaWorkRefusal({ ...open, status: 'fix_released' })).toBeUndefined();
    expect(rcaWorkRefusal(merged)).toMatch(/^PRB-4 was merged into PRB-9\. .*PRB-9's card/);
    expect(rcaWorkRefusal(closed)).toMatch(/^PRB-4 is closed: every customer linked to it confirmed the fix/);
  });

  it('classification: refused when merged, closed or classified meanwhile by someone else; a repeat is no news', () => {
    const latest = { id: 31, outcome: 'bug', severity: 'sev4', actorId: 'U0ENG' };
    const decision = { actorId: 'U0MGR', outcome: 'bug', severity: 'sev3' };
    expect(checkClassification({ ...open, kind: null }, undefined, { ...decision, basedOn: null })).toEqual({
      verdict: 'accept',
    });
    expect(checkClassification(open, latest, { ...decision, basedOn: 31 })).toEqual({ verdict: 'accept' });
    expect(checkClassification(open, latest, { ...decision, basedOn: null })).toEqual({
      verdict: 'refuse',
      reason: expect.stringMatching(/^<@U0ENG> classified PRB-4 as a bug \(SEV4\) while this form was open/),
    });
    expect(
      checkClassification(open, latest, { ...decision, actorId: 'U0ENG', severity: 'sev4', basedOn: null }),
    ).toEqual({ verdict: 'already_done' });
    expect(checkClassification(merged, undefined, { ...decision, basedOn: null })).toMatchObject({
      verdict: 'refuse',
      reason: expect.stringContaining('merged into PRB-9'),
    });
    expect(checkClassification(closed, latest, { ...decision, basedOn: 31 })).toMatchObject({
      verdict: 'refuse',
      reason: expect.stringContaining('PRB-4 is closed'),
    });
    // A form from before forms said what they were opened against is checked against the problem only.
    expect(checkClassification(open, latest, { ...decision, basedOn: undefined })).toEqual({
      verdict: 'accept',
    });
    expect(
      checkClassification({ ...open, kind: 'incident' }, latest, { ...decision, basedOn: undefined }),
    ).toMatchObject({ verdict: 'refuse', reason: 'PRB-4 is already an incident.' });
  });

  it('the classification form carries what it was opened against; an older form still parses', () => {
    expect(parseClassifyForm(encodeClassifyForm(4, 31))).toEqual({ p: 4, c: 31 });
    expect(parseClassifyForm(encodeClassifyForm(4, null))).toEqual({ p: 4, c: null });
    expect(parseClassifyForm('{"p":4}')).toEqual({ p: 4 });
    expect(parseClassifyForm('{"p":4,"c":"x"}')).toBeUndefined();
  });
});

describe('the buttons on a problem card', () => {
  it('offers no RCA work on a merged duplicate or a closed problem', () => {
    expect(ids(rcaProblemButtons(open))).toEqual(['rca_create_ticket', 'rca_assess', 'rca_fix_released']);
    expect(rcaProblemButtons(merged)).toEqual([]);
    expect(rcaProblemButtons({ id: 4, status: 'merged' })).toEqual([]);
    expect(rcaProblemButtons(closed)).toEqual([]);
  });

  it('offers no (re)classifying or merging of a closed problem', () => {
    expect(ids(triageButtons(open))).toEqual(['problem_classify', 'problem_merge']);
    expect(triageButtons(closed)).toEqual([]);
    expect(triageButtons(merged)).toEqual([]);
  });
});

describe("people's words in notices", () => {
  const hostile = { id: 4, title: '<!channel> & <https://evil.example|open>', workaround: '<!here> do <x>' };
  const noMarkup = (text: string) => expect(text).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);

  it('are escaped in the bug, merge and linked notices', () => {
    for (const text of [
      bugNotice(hostile),
      mergeNotice({ id: 3 }, hostile),
      linkedReply({ ...hostile, kind: 'bug', status: 'open', reportedHere: false }),
    ]) {
      noMarkup(text);
      expect(text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|open&gt;');
      expect(text).toContain('&lt;!here&gt; do &lt;x&gt;');
    }
  });

  it('are escaped in the confirmation request and in what Jira changed', () => {
    const ask = confirmationRequest({
      escalationId: 1,
      problemId: 4,
      customerName: '<!everyone> Ltd',
      requesterId: 'U0L1',
    });
    noMarkup(ask.text);
    expect(ask.text).toContain('&lt;!everyone&gt; Ltd');
    const notice = ticketChangeNotice({
      jiraKey: 'RCA-1',
      jiraUrl: 'https://jira.example/browse/RCA-1',
      changes: [{ label: 'Assignee', before: undefined, after: '<!channel>' }],
      decision: undefined,
    });
    expect(notice).toContain('*&lt;!channel&gt;*');
  });

  it('a typed link cannot close itself early or bring its own label', () => {
    expect(mrkdwnLink('https://help.example/c?a=1&b=2', 'case')).toBe(
      '<https://help.example/c?a=1&amp;b=2|case>',
    );
    expect(mrkdwnLink('https://a.example/x|y> <!channel>', 'evidence 1')).toBe(
      '<https://a.example/x%7Cy&gt; &lt;!channel&gt;|evidence 1>',
    );
    const card = escalationCard({
      escalation: {
        id: 12,
        customerName: 'Corvid',
        customerId: 'cus_Corvid',
        caseRef: 'https://help.example/1|real case> <!channel>',
        priority: 'p3',
        category: 'refund',
        summary: 'Refund missing',
        details: '',
        urgent: false,
        triggers: [],
        requesterId: 'U0L1',
        evidenceLinks: ['https://files.example/a|b> <!here>'],
        sourcePermalink: null,
      },
      matches: [],
    });
    noMarkup(JSON.stringify(card.blocks));
    expect(JSON.stringify(card.blocks)).not.toMatch(/<!here>/);
  });
});
