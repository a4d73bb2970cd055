import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpException, Version3Client } from 'jira.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adfText, JiraFake } from '../../src/sandbox/fakes/jira-fake.js';

const START = Date.parse('2026-03-02T09:00:00.000Z');

let clock = START;
const fake = new JiraFake({ projects: [{ key: 'RCA', name: 'Root Cause Analysis' }], now: () => clock });
let client: Version3Client;

function clientFor(email = 'frontline-bot@example.com', apiToken = 'token-1'): Version3Client {
  return new Version3Client({ host: fake.url, authentication: { basic: { email, apiToken } } });
}

/** Runs a client call expected to fail and returns the error jira.js raised. */
async function failure(call: Promise<unknown>): Promise<HttpException> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpException);
    return error as HttpException;
  }
  throw new Error('expected the call to fail');
}

function errorBody(error: HttpException): { errorMessages: string[]; errors: Record<string, string> } {
  const response = error.response as { data: { errorMessages: string[]; errors: Record<string, string> } };
  return response.data;
}

async function createRca(summary: string, labels: string[] = ['frontline']) {
  return client.issues.createIssue({
    fields: {
      project: { key: 'RCA' },
      issuetype: { name: 'Bug' },
      summary,
      description: adfText(`Details for ${summary}`),
      labels,
    },
  });
}

beforeAll(async () => {
  await fake.start();
  client = clientFor();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  clock = START;
  fake.reset();
  fake.credentials = undefined;
  fake.webhookTarget = undefined;
  fake.webhookOnApiChanges = false;
  fake.searchIndexLagMs = 0;
});

describe('JiraFake through jira.js Version3Client', () => {
  it('creates, reads, comments on, transitions and finds an RCA ticket', async () => {
    const created = await client.issues.createIssue({
      fields: {
        project: { key: 'RCA' },
        issuetype: { name: 'Bug' },
        summary: 'Duplicate charges after plan change',
        description: adfText('Customers on annual plans were charged twice.'),
        labels: ['frontline', 'problem-42'],
        priority: { name: 'High' },
        duedate: '2026-03-10',
      },
    });
    expect(created).toMatchObject({ id: '10000', key: 'RCA-1' });
    expect(created.self).toBe(`${fake.url}/rest/api/3/issue/10000`);

    const issue = await client.issues.getIssue({ issueIdOrKey: 'RCA-1' });
    expect(issue.key).toBe('RCA-1');
    expect(issue.fields.summary).toBe('Duplicate charges after plan change');
    expect(issue.fields.status).toMatchObject({
      name: 'To Do',
      statusCategory: { key: 'new', name: 'To Do' },
    });
    expect(issue.fields.issuetype?.name).toBe('Bug');
    expect(issue.fields.project).toMatchObject({ key: 'RCA', name: 'Root Cause Analysis' });
    expect(issue.fields.labels).toEqual(['frontline', 'problem-42']);
    expect(issue.fields.priority.name).toBe('High');
    expect(issue.fields.duedate).toBe('2026-03-10');
    expect(issue.fields.assignee).toBeNull();
    expect(issue.fields.resolution).toBeNull();
    expect(issue.fields.fixVersions).toEqual([]);
    expect(issue.fields.created).toBe('2026-03-02T09:00:00.000+0000');
    expect(issue.fields.description).toEqual(adfText('Customers on annual plans were charged twice.'));
    expect(issue.fields.reporter.displayName).toBe('Frontline Bot');

    clock += 60_000;
    const comment = await client.issueComments.addComment({
      issueIdOrKey: 'RCA-1',
      comment: adfText('Three more customers reported this.'),
    });
    expect(comment.id).toBeDefined();
    expect(comment.author?.displayName).toBe('Frontline Bot');
    const comments = await client.issueComments.getComments({ issueIdOrKey: 'RCA-1' });
    expect(comments.total).toBe(1);
    expect(comments.comments?.[0]?.body).toEqual(adfText('Three more customers reported this.'));

    const { transitions } = await client.issues.getTransitions({ issueIdOrKey: 'RCA-1' });
    expect(transitions?.map((t) => t.name)).toEqual(['In Progress', 'In Review', 'Done']);
    const done = transitions?.find((t) => t.to?.statusCategory?.key === 'done');
    expect(done?.id).toBeDefined();
    clock += 60_000;
    await client.issues.doTransition({ issueIdOrKey: 'RCA-1', transition: { id: done?.id } });

    const resolved = await client.issues.getIssue({
      issueIdOrKey: 'RCA-1',
      fields: ['status', 'resolution', 'updated'],
    });
    expect(resolved.fields.status.name).toBe('Done');
    expect(resolved.fields.resolution?.name).toBe('Done');
    expect(resolved.fields.updated).toBe('2026-03-02T09:02:00.000+0000');
    expect(Object.keys(resolved.fields).sort()).toEqual(['resolution', 'status', 'updated']);

    await createRca('Unrelated issue', ['other']);

    const byLabel = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA AND labels = "problem-42"',
      fields: ['summary', 'status'],
    });
    expect(byLabel.issues?.map((i) => i.key)).toEqual(['RCA-1']);
    expect(byLabel.issues?.[0]?.fields.summary).toBe('Duplicate charges after plan change');
    expect(byLabel).toMatchObject({ isLast: true });
    expect(byLabel.nextPageToken).toBeUndefined();

    const doneIssues = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql: 'project = RCA AND statusCategory = Done',
      fields: ['key'],
    });
    expect(doneIssues.issues?.map((i) => i.key)).toEqual(['RCA-1']);

    const open = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA AND statusCategory != Done',
      fields: ['summary'],
    });
    expect(open.issues?.map((i) => i.key)).toEqual(['RCA-2']);

    clock += 10 * 60_000;
    const recent = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA AND updated >= -5m',
      fields: ['summary'],
    });
    expect(recent.issues).toEqual([]);
    await client.issues.editIssue({
      issueIdOrKey: 'RCA-1',
      fields: { summary: 'Duplicate charges (annual plans)' },
    });
    const recentAfterEdit = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA AND updated >= -5m',
      fields: ['summary'],
    });
    expect(recentAfterEdit.issues?.map((i) => i.key)).toEqual(['RCA-1']);
  });

  it('returns only ids when a search asks for no fields', async () => {
    await createRca('One');
    const result = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'project = RCA' });
    expect(result.issues).toEqual([{ id: '10000' }]);
  });

  it('creates exactly one issue when the create succeeds but the client sees a 500', async () => {
    fake.inject({
      match: (request) => request.method === 'POST' && request.path === '/rest/api/3/issue',
      times: 1,
      afterHandling: true,
      response: { status: 500, body: { errorMessages: ['Internal server error'], errors: {} } },
    });
    const error = await failure(createRca('Refund stuck in pending', ['problem-7']));
    expect(error.status).toBe(500);

    const found = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA AND labels = "problem-7"',
      fields: ['summary'],
    });
    expect(found.issues).toHaveLength(1);
    expect(found.issues?.[0]).toMatchObject({ key: 'RCA-1', fields: { summary: 'Refund stuck in pending' } });
    expect(fake.issues.size).toBe(1);
  });

  it('answers a create with a bad project, missing summary or unknown issue type with a 400', async () => {
    const badProject = await failure(
      client.issues.createIssue({
        fields: { project: { key: 'NOPE' }, issuetype: { name: 'Bug' }, summary: 'x' },
      }),
    );
    expect(badProject.status).toBe(400);
    expect(errorBody(badProject)).toEqual({
      errorMessages: [],
      errors: { project: 'Specify a valid project ID or key' },
    });

    const badFields = await failure(
      client.issues.createIssue({
        fields: { project: { key: 'RCA' }, issuetype: { name: 'Epic' } } as never,
      }),
    );
    expect(badFields.status).toBe(400);
    expect(errorBody(badFields).errors).toEqual({
      issuetype: 'The issue type selected is invalid.',
      summary: 'You must specify a summary of the issue.',
    });
    expect(fake.issues.size).toBe(0);
  });

  it('answers missing issues with a 404 in Jira format', async () => {
    const error = await failure(client.issues.getIssue({ issueIdOrKey: 'RCA-99' }));
    expect(error.status).toBe(404);
    expect(errorBody(error).errorMessages).toEqual([
      'Issue does not exist or you do not have permission to see it.',
    ]);
  });

  it('requires Basic auth and checks configured credentials', async () => {
    const anonymous = new Version3Client({ host: fake.url });
    const noAuth = await failure(anonymous.myself.getCurrentUser());
    expect(noAuth.status).toBe(401);
    expect(errorBody(noAuth).errorMessages[0]).toMatch(/not authenticated/);

    fake.credentials = { email: 'bot@example.com', apiToken: 'right' };
    const wrong = await failure(clientFor('bot@example.com', 'wrong').myself.getCurrentUser());
    expect(wrong.status).toBe(401);
    const me = await clientFor('bot@example.com', 'right').myself.getCurrentUser();
    expect(me).toMatchObject({ emailAddress: 'bot@example.com', displayName: 'Bot', active: true });
    expect(me.accountId).toMatch(/^712020:/);
  });

  it('serves server info, the project and its versions', async () => {
    const info = await client.serverInfo.getServerInfo();
    expect(info).toMatchObject({ deploymentType: 'Cloud', baseUrl: fake.url });

    const project = await client.projects.getProject('RCA');
    expect(project).toMatchObject({ key: 'RCA', name: 'Root Cause Analysis' });
    expect(project.issueTypes?.map((t) => t.name)).toEqual(['Task', 'Bug', 'Incident']);

    const version = await client.projectVersions.createVersion({
      name: '2026.03',
      projectId: Number(project.id),
    });
    expect(version).toMatchObject({ name: '2026.03', released: false, projectId: Number(project.id) });
    const duplicate = await failure(
      client.projectVersions.createVersion({ name: '2026.03', projectId: 10000 }),
    );
    expect(errorBody(duplicate).errors.name).toMatch(/already exists/);
    const versions = await client.projectVersions.getProjectVersions('RCA');
    expect(versions.map((v) => v.name)).toEqual(['2026.03']);

    await createRca('With version');
    await client.issues.editIssue({
      issueIdOrKey: 'RCA-1',
      update: {
        fixVersions: [{ add: { name: '2026.03' } }],
        labels: [{ add: 'shipped' }, { remove: 'frontline' }],
      },
    });
    const issue = await client.issues.getIssue({ issueIdOrKey: 'RCA-1' });
    expect(issue.fields.fixVersions.map((v) => v.name)).toEqual(['2026.03']);
    expect(issue.fields.labels).toEqual(['shipped']);

    const unknownVersion = await failure(
      client.issues.editIssue({ issueIdOrKey: 'RCA-1', fields: { fixVersions: [{ name: 'nope' }] } }),
    );
    expect(errorBody(unknownVersion).errors.fixVersions).toBe("Version name 'nope' is not valid");
  });

  it('bumps updated on every edit and records a changelog', async () => {
    await createRca('Edited');
    const before = fake.issue('RCA-1').updated;
    await client.issues.editIssue({ issueIdOrKey: 'RCA-1', fields: { labels: ['a', 'b'] } });
    const afterFirst = fake.issue('RCA-1').updated;
    expect(afterFirst).toBeGreaterThan(before);
    await client.issues.editIssue({ issueIdOrKey: 'RCA-1', fields: { priority: { name: 'Highest' } } });
    expect(fake.issue('RCA-1').updated).toBeGreaterThan(afterFirst);

    const changelog = await client.issues.getChangeLogs({ issueIdOrKey: 'RCA-1' });
    expect(changelog.values?.map((entry) => entry.items?.[0]?.field)).toEqual(['labels', 'priority']);
    expect(changelog.values?.[1]?.items?.[0]).toMatchObject({ fromString: 'Medium', toString: 'Highest' });

    const bad = await failure(client.issues.editIssue({ issueIdOrKey: 'RCA-1', fields: { status: 'Done' } }));
    expect(errorBody(bad).errors.status).toMatch(/cannot be set/);
  });

  it('stores remote links, issue links and issue properties', async () => {
    await createRca('Parent');
    await createRca('Related');

    const link = await client.issueRemoteLinks.createOrUpdateRemoteIssueLink({
      issueIdOrKey: 'RCA-1',
      globalId: 'slack:C123:1700000000.000100',
      application: { type: 'com.slack', name: 'Slack' },
      object: { url: 'https://example.slack.com/archives/C123/p1700000000000100', title: 'Slack thread' },
    });
    expect(link.id).toBeTypeOf('number');
    const again = await client.issueRemoteLinks.createOrUpdateRemoteIssueLink({
      issueIdOrKey: 'RCA-1',
      globalId: 'slack:C123:1700000000.000100',
      object: {
        url: 'https://example.slack.com/archives/C123/p1700000000000100',
        title: 'Slack thread (renamed)',
      },
    });
    expect(again.id).toBe(link.id);
    const links = await client.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: 'RCA-1' });
    expect(links).toHaveLength(1);
    expect(links[0]?.object?.title).toBe('Slack thread (renamed)');

    await client.issueLinks.linkIssues({
      type: { name: 'Relates' },
      inwardIssue: { key: 'RCA-1' },
      outwardIssue: { key: 'RCA-2' },
    });
    const parent = await client.issues.getIssue({ issueIdOrKey: 'RCA-1', fields: ['issuelinks'] });
    expect(parent.fields.issuelinks[0]?.outwardIssue?.key).toBe('RCA-2');

    await client.issueProperties.setIssueProperty({
      issueIdOrKey: 'RCA-1',
      propertyKey: 'frontline',
      propertyValue: { problemId: 'p_42', caseCount: 3 },
    });
    const property = await client.issueProperties.getIssueProperty({
      issueIdOrKey: 'RCA-1',
      propertyKey: 'frontline',
    });
    expect(property).toEqual({ key: 'frontline', value: { problemId: 'p_42', caseCount: 3 } });
    const missing = await failure(
      client.issueProperties.getIssueProperty({ issueIdOrKey: 'RCA-1', propertyKey: 'x' }),
    );
    expect(missing.status).toBe(404);
  });
});

describe('JQL', () => {
  async function keys(jql: string): Promise<string[]> {
    const result = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, fields: ['key'] });
    return (result.issues ?? []).map((issue) => issue.key);
  }

  beforeEach(async () => {
    await createRca('First', ['alpha']);
    clock += 60 * 60_000;
    await createRca('Second', ['beta']);
    clock += 60 * 60_000;
    await createRca('Third', ['alpha', 'gamma']);
    clock += 60_000;
    await fake.transition('RCA-2', 'In Review');
  });

  it('supports labels, keys, statuses, AND/OR, parentheses and ORDER BY', async () => {
    expect(await keys('labels in ("alpha", "beta") ORDER BY key ASC')).toEqual(['RCA-1', 'RCA-2', 'RCA-3']);
    expect(await keys('key in (RCA-1, RCA-3) ORDER BY created ASC')).toEqual(['RCA-1', 'RCA-3']);
    expect(await keys('status = "In Review"')).toEqual(['RCA-2']);
    expect(await keys('statusCategory = "In Progress"')).toEqual(['RCA-2']);
    expect(
      await keys('project = RCA AND (labels = gamma OR status = "In Review") ORDER BY key DESC'),
    ).toEqual(['RCA-3', 'RCA-2']);
    expect(await keys('project = RCA ORDER BY updated DESC')).toEqual(['RCA-2', 'RCA-3', 'RCA-1']);
    expect(await keys('labels not in (alpha)')).toEqual(['RCA-2']);
    expect(await keys('summary ~ "third"')).toEqual(['RCA-3']);
    expect(await keys('resolution = Unresolved AND labels = alpha ORDER BY key')).toEqual(['RCA-1', 'RCA-3']);
  });

  it('compares updated with absolute and relative dates', async () => {
    expect(await keys('updated >= "2026-03-02 10:30" ORDER BY key')).toEqual(['RCA-2', 'RCA-3']);
    expect(await keys('updated < "2026/03/02 10:00"')).toEqual(['RCA-1']);
    expect(await keys('created >= -90m ORDER BY key')).toEqual(['RCA-2', 'RCA-3']);
    expect(await keys('updated >= -15m ORDER BY key')).toEqual(['RCA-2', 'RCA-3']);
    expect(await keys('created >= startOfDay() ORDER BY key')).toEqual(['RCA-1', 'RCA-2', 'RCA-3']);
  });

  it('pages with nextPageToken', async () => {
    const first = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA ORDER BY key',
      maxResults: 2,
      fields: ['key'],
    });
    expect(first.issues?.map((i) => i.key)).toEqual(['RCA-1', 'RCA-2']);
    expect(first).toMatchObject({ isLast: false });
    expect(first.nextPageToken).toBeTypeOf('string');
    const second = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = RCA ORDER BY key',
      maxResults: 2,
      fields: ['key'],
      nextPageToken: first.nextPageToken,
    });
    expect(second.issues?.map((i) => i.key)).toEqual(['RCA-3']);
    expect(second).toMatchObject({ isLast: true });
  });

  it('answers JQL it cannot handle with a Jira-style 400', async () => {
    const cases: Array<[string, RegExp]> = [
      ['project = NOPE', /The value 'NOPE' does not exist for the field 'project'/],
      ['foo = bar', /Field 'foo' does not exist/],
      ['labels = ', /Error in the JQL Query/],
      ['status WAS Done', /does not support the 'WAS' operator/],
      ['key = RCA-999', /An issue with key 'RCA-999' does not exist/],
      ['updated >= "yesterday"', /Date value 'yesterday' for field 'updated' is invalid/],
      ['ORDER BY updated DESC', /Unbounded JQL queries are not allowed/],
      ['labels = x ORDER BY labels', /does not support sorting/],
    ];
    for (const [jql, message] of cases) {
      const error = await failure(client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql }));
      expect(error.status, jql).toBe(400);
      expect(errorBody(error).errorMessages[0], jql).toMatch(message);
    }
  });

  it('can lag behind like an eventually consistent search index', async () => {
    fake.searchIndexLagMs = 5_000;
    await createRca('Fresh', ['fresh']);
    const jql = 'labels = fresh';
    const hidden = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, fields: ['key'] });
    expect(hidden.issues).toEqual([]);
    const reconciled = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql,
      fields: ['key'],
      reconcileIssues: [Number(fake.issue('RCA-4').id)],
    });
    expect(reconciled.issues?.map((i) => i.key)).toEqual(['RCA-4']);
    clock += 5_000;
    const visible = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, fields: ['key'] });
    expect(visible.issues?.map((i) => i.key)).toEqual(['RCA-4']);
  });

  it('rejects the removed /search endpoint with 410', async () => {
    const error = await failure(client.issueSearch.searchForIssuesUsingJql({ jql: 'project = RCA' }));
    expect(error.status).toBe(410);
  });
});

describe('test-side controls and webhooks', () => {
  let server: Server;
  let received: Array<{ body: string; headers: IncomingHttpHeaders }>;
  let answerStatus = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(answerStatus).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received = [];
    answerStatus = 200;
  });

  afterEach(() => {
    fake.webhookRetry = { maxRetries: 0, delayMs: 100 };
  });

  function targetUrl(): string {
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jira/webhook`;
  }

  function hmac(body: string, secret: string): string {
    return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  }

  it('changes issues like a person would and records the changelog', async () => {
    await createRca('Controlled');
    await fake.setAssignee('RCA-1', 'Dana Engineer');
    await fake.setFixVersion('RCA-1', '2026.04');
    await fake.setDueDate('RCA-1', '2026-04-15');
    await fake.transition('RCA-1', 'Done');

    const issue = await client.issues.getIssue({ issueIdOrKey: 'RCA-1', expand: 'changelog' });
    expect(issue.fields.assignee?.displayName).toBe('Dana Engineer');
    expect(issue.fields.fixVersions.map((v) => v.name)).toEqual(['2026.04']);
    expect(issue.fields.duedate).toBe('2026-04-15');
    expect(issue.fields.status.statusCategory?.key).toBe('done');
    expect(issue.fields.resolutiondate).toBeTypeOf('string');
    const fields = fake.issue('RCA-1').changelog.flatMap((entry) => entry.items.map((item) => item.field));
    expect(fields).toEqual(['assignee', 'Fix Version', 'duedate', 'status', 'resolution']);
    expect(issue.changelog?.total).toBe(4);

    const versions = await client.projectVersions.getProjectVersions('RCA');
    expect(versions.map((v) => v.name)).toEqual(['2026.04']);
  });

  it('delivers a signed jira:issue_updated webhook whose identifier is stable when re-delivered', async () => {
    const secret = 'whsec-jira-test';
    fake.webhookTarget = { url: targetUrl(), secret };
    await createRca('Webhooked');

    const result = await fake.transition('RCA-1', 'Done');
    expect(result.delivery?.status).toBe(200);
    expect(received).toHaveLength(1);
    const first = received[0]!;
    expect(first.headers['x-hub-signature']).toBe(hmac(first.body, secret));
    const identifier = first.headers['x-atlassian-webhook-identifier'];
    expect(identifier).toBeTypeOf('string');

    const payload = JSON.parse(first.body) as {
      webhookEvent: string;
      timestamp: number;
      issue: { key: string; fields: { status: { name: string } } };
      user: { displayName: string };
      changelog: { id: string; items: Array<Record<string, unknown>> };
    };
    expect(payload.webhookEvent).toBe('jira:issue_updated');
    expect(payload.timestamp).toBe(clock);
    expect(payload.issue.key).toBe('RCA-1');
    expect(payload.issue.fields.status.name).toBe('Done');
    expect(payload.user.displayName).toBe('Jira Admin');
    expect(payload.changelog.items[0]).toMatchObject({
      field: 'status',
      fieldtype: 'jira',
      fromString: 'To Do',
      toString: 'Done',
    });

    // Jira retrying the same delivery: same body, same identifier.
    const delivery = result.delivery!;
    const status = await fake.deliverWebhook(delivery.body, delivery.headers);
    expect(status).toBe(200);
    expect(received).toHaveLength(2);
    expect(received[1]?.headers['x-atlassian-webhook-identifier']).toBe(identifier);
    expect(received[1]?.body).toBe(first.body);
    expect(received[1]?.headers['x-hub-signature']).toBe(hmac(received[1]!.body, secret));
  });

  it('builds webhooks that tests can replay or tamper with', async () => {
    const secret = 's3cret';
    fake.webhookTarget = { url: targetUrl(), secret };
    await createRca('Built');
    const built = fake.buildWebhook('RCA-1', [
      { field: 'labels', fromString: 'frontline', toString: 'frontline x' },
    ]);
    expect(built.headers['X-Hub-Signature']).toBe(hmac(built.body, secret));
    expect(JSON.parse(built.body)).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      issue: { key: 'RCA-1' },
      changelog: { items: [{ field: 'labels', toString: 'frontline x' }] },
    });
    expect(received).toHaveLength(0);

    const tampered = built.body.replace('Built', 'Tampered');
    await fake.deliverWebhook(tampered, built.headers);
    expect(received[0]?.body).toBe(tampered);
    expect(received[0]?.headers['x-hub-signature']).not.toBe(hmac(tampered, secret));

    const replay = fake.buildWebhook('RCA-1', [], { identifier: built.identifier, retry: 1 });
    expect(replay.headers['X-Atlassian-Webhook-Identifier']).toBe(built.identifier);
    expect(replay.headers['X-Atlassian-Webhook-Retry']).toBe('1');
  });

  it('retries failed deliveries with the same identifier when configured', async () => {
    fake.webhookTarget = { url: targetUrl(), secret: 'x' };
    fake.webhookRetry = { maxRetries: 2, delayMs: 1 };
    answerStatus = 503;
    await createRca('Retried');
    const result = await fake.setAssignee('RCA-1', 'Sam Support');
    expect(result.delivery?.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(new Set(received.map((r) => r.headers['x-atlassian-webhook-identifier'])).size).toBe(1);
    expect(received.map((r) => r.headers['x-atlassian-webhook-retry'])).toEqual([undefined, '1', '2']);
  });

  it('sends webhooks for API changes when asked to', async () => {
    fake.webhookTarget = { url: targetUrl(), secret: 'x', events: ['jira:issue_created', 'comment_created'] };
    fake.webhookOnApiChanges = true;
    await createRca('From the app');
    await client.issueComments.addComment({ issueIdOrKey: 'RCA-1', comment: 'hello' });
    await expect.poll(() => received.length).toBe(2);
    const events = received.map((r) => (JSON.parse(r.body) as { webhookEvent: string }).webhookEvent);
    expect(events.sort()).toEqual(['comment_created', 'jira:issue_created']);
  });

  it('does not send webhooks when asked not to or without a target', async () => {
    await createRca('Quiet');
    const untargeted = await fake.transition('RCA-1', 'In Progress');
    expect(untargeted.delivery).toBeUndefined();
    fake.webhookTarget = { url: targetUrl() };
    const suppressed = await fake.transition('RCA-1', 'Done', { webhook: false });
    expect(suppressed.delivery).toBeUndefined();
    expect(received).toHaveLength(0);
  });
});
