/**
 * Everything a person can invoke in Slack. `manifest.yml` declares the same list (a test keeps them in step), and
 * `/frontline help` is rendered from it.
 */
export interface SlashCommand {
  command: '/escalate' | '/billing' | '/incident' | '/frontline';
  usageHint: string;
  description: string;
  /** Longer lines for the help message: one per form of the command. */
  forms: string[];
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    command: '/escalate',
    usageHint: '[what the customer is seeing]',
    description: 'Raise an escalation for one customer case and check it against known problems',
    forms: ['`/escalate [summary]` opens the escalation form; any text you add becomes the summary.'],
  },
  {
    command: '/billing',
    usageHint: '<email, name or Stripe customer id>',
    description: "Show a customer's billing picture: plan, payments, invoices, credits, churn risk",
    forms: ["`/billing <email | name | cus_…>` shows the customer's billing card, only to you."],
  },
  {
    command: '/incident',
    usageHint: 'classify PRB-<n> | update INC-<n>',
    description: 'Classify a problem as bug or incident, and post incident status updates',
    forms: [
      '`/incident classify PRB-12` (or `classify 12`) opens the bug-or-incident form for problem PRB-12.',
      '`/incident update INC-3` (or `update 3`) opens the status update form for incident INC-3.',
    ],
  },
  {
    command: '/frontline',
    usageHint: 'help | queue | report [YYYY-MM] | audit <customer>',
    description: 'Help, the ranked problem queue, the monthly report and the audit trail',
    forms: [
      '`/frontline help` shows this message.',
      '`/frontline queue` lists open problems ranked by who is hurt.',
      '`/frontline report [YYYY-MM]` sends you the monthly billing support report.',
      "`/frontline audit <customer>` shows a customer's account-action trail (managers).",
    ],
  },
];

export interface MessageShortcut {
  callbackId: string;
  name: string;
  description: string;
}

export const MESSAGE_SHORTCUTS: readonly MessageShortcut[] = [
  {
    callbackId: 'escalate_message',
    name: 'Escalate to billing',
    description: 'Turn any message into an escalation, keeping a link to it as evidence',
  },
];
