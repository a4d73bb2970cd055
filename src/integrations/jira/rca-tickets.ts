import type { Version3Client } from 'jira.js';
import type { AdfDocument } from '../../views/rca-document.js';

/**
 * The RCA ticket port: the few Jira calls Frontline makes, through jira.js. Every ticket carries the label
 * `frontline-problem-<id>` and the issue property `frontline` = `{ problemId }`, so a retry can find the ticket an
 * earlier attempt created even when that attempt never heard Jira's answer.
 */

export const RCA_LABEL = 'frontline-rca';
export const problemLabel = (problemId: number) => `frontline-problem-${problemId}`;
export const PROPERTY_KEY = 'frontline';

/** What Frontline follows on an RCA ticket. */
export interface TicketState {
  id: string;
  key: string;
  status: string;
  statusCategory: string | undefined;
  fixVersion: string | undefined;
  assignee: string | undefined;
  dueDate: string | undefined;
  /** Jira's `updated` time of the issue this state was read from, when Jira sent it. */
  updatedAt: Date | undefined;
  /**
   * Which of the followed fields the issue carried. A field left out (a trimmed payload from an automation rule) says
   * nothing about its value; only a field sent empty clears it.
   */
  sent: { status: boolean; fixVersion: boolean; assignee: boolean; dueDate: boolean };
}

const STATE_FIELDS = ['status', 'fixVersions', 'assignee', 'duedate', 'labels', 'updated'];

interface IssueLike {
  id?: string;
  key?: string;
  fields?: {
    status?: { name?: string; statusCategory?: { key?: string } };
    fixVersions?: Array<{ name?: string }>;
    assignee?: { displayName?: string } | null;
    duedate?: string | null;
    updated?: string;
  };
}

export function toTicketState(issue: IssueLike): TicketState {
  const fields = issue.fields ?? {};
  const versions = (fields.fixVersions ?? []).flatMap((version) => (version.name ? [version.name] : []));
  const updated = fields.updated ? new Date(fields.updated) : undefined;
  return {
    id: String(issue.id ?? ''),
    key: String(issue.key ?? ''),
    status: fields.status?.name ?? '',
    statusCategory: fields.status?.statusCategory?.key,
    fixVersion: versions.length > 0 ? versions.join(', ') : undefined,
    assignee: fields.assignee?.displayName ?? undefined,
    dueDate: fields.duedate ?? undefined,
    updatedAt: updated && !Number.isNaN(updated.getTime()) ? updated : undefined,
    sent: {
      status: Boolean(fields.status?.name),
      fixVersion: 'fixVersions' in fields,
      assignee: 'assignee' in fields,
      dueDate: 'duedate' in fields,
    },
  };
}

export async function findTicketForProblem(
  jira: Version3Client,
  projectKey: string,
  problemId: number,
): Promise<TicketState | undefined> {
  const answer = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
    jql: `project = "${projectKey}" AND labels = "${problemLabel(problemId)}" ORDER BY created ASC`,
    fields: STATE_FIELDS,
    maxResults: 5,
  });
  const [first] = answer.issues ?? [];
  return first ? toTicketState(first as IssueLike) : undefined;
}

export async function createTicket(
  jira: Version3Client,
  input: {
    projectKey: string;
    issueType: string;
    problemId: number;
    summary: string;
    description: AdfDocument;
  },
): Promise<{ id: string; key: string }> {
  const created = await jira.issues.createIssue({
    fields: {
      project: { key: input.projectKey },
      issuetype: { name: input.issueType },
      summary: input.summary.slice(0, 250),
      // jira.js types the description as its own Document; ours is the same ADF shape.
      description: input.description as never,
      labels: [RCA_LABEL, problemLabel(input.problemId)],
    },
    properties: [{ key: PROPERTY_KEY, value: { problemId: input.problemId } }],
  });
  return { id: String(created.id), key: String(created.key) };
}

export async function updateDescription(
  jira: Version3Client,
  key: string,
  description: AdfDocument,
): Promise<void> {
  await jira.issues.editIssue({ issueIdOrKey: key, fields: { description: description as never } });
}

export async function addComment(jira: Version3Client, key: string, body: AdfDocument): Promise<void> {
  await jira.issueComments.addComment({ issueIdOrKey: key, comment: body as never });
}

/** The current state of these tickets (JQL by key; missed webhooks are caught up from this). */
export async function ticketStates(jira: Version3Client, keys: readonly string[]): Promise<TicketState[]> {
  const states: TicketState[] = [];
  for (let start = 0; start < keys.length; start += 50) {
    const chunk = keys.slice(start, start + 50);
    let nextPageToken: string | undefined;
    do {
      const answer = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql: `key in (${chunk.map((key) => `"${key}"`).join(', ')})`,
        fields: STATE_FIELDS,
        maxResults: 50,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const issue of answer.issues ?? []) states.push(toTicketState(issue as IssueLike));
      nextPageToken = answer.nextPageToken ?? undefined;
    } while (nextPageToken);
  }
  return states;
}
