/**
 * The RCA ticket's text in Atlassian Document Format (Jira API v3): the description Frontline writes when it creates
 * the ticket, and the comments it adds when the facts change or the problem closes. Pure functions of the model.
 */

export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
}
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

export interface RcaTicketModel {
  problemId: number;
  title: string;
  kind: string;
  rootCause: string;
  fixEta: string;
  dataCleanup: string;
  severity: string;
  priorityScore: number;
  priorityExplanation: string[];
  affectedCustomers: number;
  revenueAtRisk: string;
  topCustomers: string[];
  linkedCases: string[];
  incidentUrl: string | undefined;
  assessment: string[];
  releaseDecision: string;
  workaround: string;
  /** The problem's state as people read it (e.g. "reopened: the customer still sees it"). */
  state: string;
}

/** The facts that, when they change, earn the ticket a comment (label → value as written). */
export function rcaFacts(model: RcaTicketModel): Record<string, string> {
  return {
    'Root cause': model.rootCause,
    'Fix ETA': model.fixEta,
    'Data cleanup': model.dataCleanup,
    Severity: model.severity,
    Priority: `${model.priorityScore}`,
    'Affected customers': `${model.affectedCustomers} (${model.revenueAtRisk})`,
    'Release decision': model.releaseDecision,
    Workaround: model.workaround,
    Incident: model.incidentUrl ?? 'none',
    State: model.state,
  };
}

const text = (value: string, marks?: AdfNode['marks']): AdfNode => ({
  type: 'text',
  text: value.length > 0 ? value : ' ',
  ...(marks ? { marks } : {}),
});
const paragraph = (...content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const heading = (value: string): AdfNode => ({
  type: 'heading',
  attrs: { level: 3 },
  content: [text(value)],
});
const strong = (value: string): AdfNode => text(value, [{ type: 'strong' }]);
const bullets = (items: string[]): AdfNode => ({
  type: 'bulletList',
  content: (items.length > 0 ? items : ['none']).map((item) => ({
    type: 'listItem',
    content: [paragraph(text(item.slice(0, 1000)))],
  })),
});
const fact = (label: string, value: string): AdfNode => paragraph(strong(`${label}: `), text(value));
const link = (value: string, href: string): AdfNode => text(value, [{ type: 'link', attrs: { href } }]);

export function rcaDescription(model: RcaTicketModel): AdfDocument {
  return {
    type: 'doc',
    version: 1,
    content: [
      paragraph(
        text(
          `Root-cause ticket for problem PRB-${model.problemId} (${model.kind}), kept in step by Frontline.`,
        ),
      ),
      heading('Root cause'),
      fact('Root cause (as known)', model.rootCause),
      fact('Fix ETA', model.fixEta),
      fact('Data cleanup plan', model.dataCleanup),
      fact('Severity', model.severity),
      fact('State', model.state),
      heading('Priority'),
      fact('Score', `${model.priorityScore}`),
      bullets(model.priorityExplanation),
      heading('Affected customers'),
      fact('Customers', `${model.affectedCustomers}`),
      fact('Monthly revenue at risk', model.revenueAtRisk),
      paragraph(strong('Largest affected customers')),
      bullets(model.topCustomers),
      heading('Linked cases'),
      bullets(model.linkedCases),
      heading('Incident'),
      model.incidentUrl
        ? paragraph(link(model.incidentUrl, model.incidentUrl))
        : paragraph(text('No public incident.')),
      heading('Engineering assessment'),
      bullets(model.assessment),
      fact('Release decision', model.releaseDecision),
      fact('Workaround', model.workaround),
    ],
  };
}

export function factsChangedComment(
  changes: Array<{ label: string; before: string | undefined; after: string }>,
): AdfDocument {
  return {
    type: 'doc',
    version: 1,
    content: [
      paragraph(text('Frontline: the facts of this problem changed.')),
      bullets(
        changes.map((change) =>
          change.before === undefined
            ? `${change.label}: ${change.after}`
            : `${change.label}: ${change.before} → ${change.after}`,
        ),
      ),
    ],
  };
}

export function plainComment(message: string): AdfDocument {
  return { type: 'doc', version: 1, content: [paragraph(text(message))] };
}
