import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Deps } from '../deps.js';
import {
  COMPONENT_STATES,
  type ComponentState,
  INCIDENT_STATES,
  type IncidentState,
} from '../domain/incident.js';
import {
  type ClassificationAnswers,
  isOutcome,
  isSeverity,
  type Outcome,
  type Severity,
} from '../domain/policy.js';
import { invalidInput } from '../errors.js';
import { createSlackMessenger } from '../integrations/slack/messenger.js';
import { refreshEscalationCard } from '../services/escalation.js';
import {
  type ClassificationInput,
  changeSeverity,
  classificationConflicts,
  classificationErrors,
  classifyProblem,
  type IncidentContext,
  openClassification,
  openSeverityChange,
  openStatusUpdate,
  postStatusUpdate,
  refreshClassification,
  snoozeReminders,
  statusUpdateErrors,
} from '../services/incident.js';
import { mergeProblem, openMerge } from '../services/merge.js';
import {
  componentStateBlockId,
  INCIDENT_IDS,
  parseClassifyForm,
  parseIncident,
  parseProblem,
  parseSnooze,
  parseUpdateForm,
} from '../views/incident-actions.js';
import { escalationContext } from './escalation.js';
import { checkedOf, selectedOf, stateValues, textOf, userOf, type ViewStateValues } from './view-state.js';

const { blocks: B, inputs: I, actions: A, modals: M } = INCIDENT_IDS;

export function incidentContext(deps: Deps): IncidentContext {
  return {
    db: deps.db,
    slack: createSlackMessenger(deps.integrations.slack),
    client: deps.integrations.slack,
    jobs: deps.jobs,
    settings: deps.settings,
    directory: deps.directory,
    logger: deps.logger,
    now: deps.now,
  };
}

type IncidentVerb = 'classify' | 'update';
/** What each verb works on, by its reference prefix: classify takes a problem, update an incident. */
const VERB_TARGET: Record<IncidentVerb, 'PRB' | 'INC'> = { classify: 'PRB', update: 'INC' };

/**
 * `classify PRB-12`, `classify 12`, `update INC-3`, `update 3`. A reference of another kind (`update PRB-7`) is
 * answered as `wrongReference`, never read as a number of the verb's own kind.
 */
export function parseIncidentCommand(
  text: string,
): { verb: IncidentVerb; id: number } | { verb: IncidentVerb; wrongReference: string } | undefined {
  const match = /^\s*(classify|update)\s+(?:([a-z]+)-)?(\d{1,9})\s*$/i.exec(text);
  if (!match?.[1] || !match[3]) return undefined;
  const verb = match[1].toLowerCase() as IncidentVerb;
  const prefix = match[2]?.toUpperCase();
  if (prefix !== undefined && prefix !== VERB_TARGET[verb])
    return { verb, wrongReference: `${prefix}-${Number(match[3])}` };
  return { verb, id: Number(match[3]) };
}

const INCIDENT_USAGE =
  'Use `/incident classify PRB-12` (or `classify 12`) to classify a problem, or `/incident update INC-3` (or `update 3`) to post a status update on an incident.';

/** Why a reference does not fit the verb, and where to find the one that does. */
function wrongReferenceText(verb: IncidentVerb, reference: string, incidentsChannel: string): string {
  const kind = reference.split('-')[0];
  const findIncident = `the incident's message in <#${incidentsChannel}> names its problem and its INC number`;
  if (kind === 'PRB')
    return `${reference} is a problem, and \`update\` posts to an incident: ${findIncident}. Then use \`/incident update INC-<number>\`. If ${reference} is not an incident yet, classify it first with \`/incident classify ${reference}\`.`;
  if (kind === 'INC')
    return `${reference} is an incident, and \`classify\` works on problems (PRB-…). An incident's problem is already classified; to post news on ${reference} use \`/incident update ${reference}\`.`;
  if (kind === 'ESC' && verb === 'classify')
    return `${reference} is an escalation, not a problem. Its card names the problem it is linked to; use \`/incident classify PRB-<number>\`.`;
  if (kind === 'ESC')
    return `${reference} is an escalation, not an incident. Its card names the problem it is linked to, and ${findIncident}. Then use \`/incident update INC-<number>\`.`;
  return `${reference} is not a reference I know. ${INCIDENT_USAGE}`;
}

function answersOf(values: ViewStateValues): ClassificationAnswers {
  const checked = new Set(checkedOf(values, B.answers, A.answers));
  const v = INCIDENT_IDS.answers;
  const customers = Number(textOf(values, B.customers, A.customers) || '0');
  return {
    blocksSubscriptions: checked.has(v.blocksSubscriptions),
    blocksPayments: checked.has(v.blocksPayments),
    cosmeticOnly: checked.has(v.cosmeticOnly),
    financial: checked.has(v.financial),
    afterRelease: checked.has(v.afterRelease),
    customersAffected: Number.isFinite(customers) ? customers : -1,
  };
}

function classificationInput(
  values: ViewStateValues,
  problemId: number,
  actorId: string,
): ClassificationInput {
  const outcome = selectedOf(values, B.outcome, I.outcome);
  const severity = selectedOf(values, B.severity, I.severity);
  const impact = selectedOf(values, B.impact, I.impact);
  return {
    problemId,
    actorId,
    answers: answersOf(values),
    outcome: (isOutcome(outcome) ? outcome : 'bug') as Outcome,
    severity: (isSeverity(severity) ? severity : 'sev3') as Severity,
    reason: textOf(values, B.reason, I.reason),
    incident: {
      publicTitle: textOf(values, B.publicTitle, I.publicTitle),
      publicSummary: textOf(values, B.publicSummary, I.publicSummary),
      components: checkedOf(values, B.components, I.components),
      impact: (COMPONENT_STATES as readonly string[]).includes(impact ?? '')
        ? (impact as ComponentState)
        : 'partial_outage',
      ownerId: userOf(values, B.owner, I.owner) ?? actorId,
    },
  };
}

/** `/incident`, the triage card's Classify and Merge into…, the incident message's buttons, and their modals. */
export function registerIncident(app: App, deps: Deps, ctx: IncidentContext = incidentContext(deps)) {
  app.command('/incident', async ({ command, ack, respond }) => {
    await ack();
    const parsed = parseIncidentCommand(command.text);
    if (!parsed) {
      await respond({ response_type: 'ephemeral', text: INCIDENT_USAGE });
      return;
    }
    if ('wrongReference' in parsed)
      throw invalidInput(
        wrongReferenceText(parsed.verb, parsed.wrongReference, deps.settings.channels.incidents),
      );
    const input = { actorId: command.user_id, triggerId: command.trigger_id };
    if (parsed.verb === 'classify') await openClassification(ctx, { ...input, problemId: parsed.id });
    else await openStatusUpdate(ctx, { ...input, incidentId: parsed.id, resolve: false });
  });

  const button = (
    actionId: string | RegExp,
    run: (value: string | undefined, body: BlockAction<ButtonAction>) => Promise<void>,
  ) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ action, body, ack }) => {
      await ack();
      await run(action.value, body);
    });

  button(A.classify, async (value, body) => {
    const target = parseProblem(value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await openClassification(ctx, { problemId: target.p, actorId: body.user.id, triggerId: body.trigger_id });
  });
  button(A.merge, async (value, body) => {
    const target = parseProblem(value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await openMerge(ctx, { problemId: target.p, actorId: body.user.id, triggerId: body.trigger_id });
  });
  for (const [actionId, resolve] of [
    [A.postUpdate, false],
    [A.resolve, true],
  ] as const) {
    button(actionId, async (value, body) => {
      const target = parseIncident(value);
      if (!target) throw invalidInput('That button is not valid any more.');
      await openStatusUpdate(ctx, {
        incidentId: target.i,
        actorId: body.user.id,
        triggerId: body.trigger_id,
        resolve,
      });
    });
  }
  button(A.changeSeverity, async (value, body) => {
    const target = parseIncident(value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await openSeverityChange(ctx, {
      incidentId: target.i,
      actorId: body.user.id,
      triggerId: body.trigger_id,
    });
  });
  button(new RegExp(`^${A.snooze}_(30|60|90)$`), async (value, body) => {
    const target = parseSnooze(value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await snoozeReminders(ctx, {
      incidentId: target.i,
      minutes: target.m,
      actorId: body.user.id,
      channel: body.channel?.id,
      messageTs: body.message?.ts,
    });
  });

  // An answer changed in the classification form: re-render it with the new suggestion.
  for (const actionId of [A.answers, A.customers]) {
    app.action(actionId, async ({ body, ack }) => {
      await ack();
      const view = (
        body as { view?: { id: string; hash?: string; private_metadata?: string; state?: unknown } }
      ).view;
      const target = parseClassifyForm(view?.private_metadata);
      if (!view || !target) return;
      const values = stateValues(view);
      await refreshClassification(ctx, {
        basedOn: target.c,
        viewId: view.id,
        hash: view.hash,
        problemId: target.p,
        answers: answersOf(values),
        ownerId: userOf(values, B.owner, I.owner) ?? body.user.id,
        chosen: {},
      });
    });
  }

  app.view(M.classify, async ({ view, body, ack }) => {
    const target = parseClassifyForm(view.private_metadata);
    if (!target) {
      await ack({
        response_action: 'errors',
        errors: { [B.outcome]: 'This form is not valid any more; open it again.' },
      });
      return;
    }
    const input = { ...classificationInput(stateValues(view), target.p, body.user.id), basedOn: target.c };
    // The form's own mistakes first, then whether the problem moved on while the form was open.
    let { errors } = classificationErrors(input, deps.settings);
    if (Object.keys(errors).length === 0) errors = await classificationConflicts(ctx, input);
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    await classifyProblem(ctx, input);
  });

  app.view(M.update, async ({ view, body, ack }) => {
    const target = parseUpdateForm(view.private_metadata);
    const values = stateValues(view);
    const state = selectedOf(values, B.state, I.state);
    const publicMessage = textOf(values, B.publicMessage, I.publicMessage);
    const errors: Record<string, string> = {};
    if (!target) errors[B.state] = 'This form is not valid any more; open it again.';
    if (!(INCIDENT_STATES as readonly string[]).includes(state ?? '')) errors[B.state] = 'Pick a state.';
    if (publicMessage.trim().length < 3) errors[B.publicMessage] = 'Write what customers should know.';
    if (!target || Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    // Only the components the form showed; the service decides which of them this update records.
    const componentStates: Record<string, ComponentState> = {};
    for (const component of deps.settings.statusPage.components) {
      const chosen = selectedOf(values, componentStateBlockId(component.id), I.componentState);
      if ((COMPONENT_STATES as readonly string[]).includes(chosen ?? ''))
        componentStates[component.id] = chosen as ComponentState;
    }
    const input = {
      incidentId: target.i,
      actorId: body.user.id,
      state: state as IncidentState,
      publicMessage,
      internalNote: textOf(values, B.internalNote, I.internalNote),
      componentStates,
      submissionKey: view.id,
    };
    const refused = await statusUpdateErrors(ctx, input);
    if (Object.keys(refused).length > 0) {
      await ack({ response_action: 'errors', errors: refused });
      return;
    }
    await ack();
    await postStatusUpdate(ctx, input);
  });

  app.view(M.severity, async ({ view, body, ack }) => {
    const target = parseIncident(view.private_metadata);
    const severity = selectedOf(stateValues(view), B.newSeverity, I.newSeverity);
    if (!target || !isSeverity(severity)) {
      await ack({ response_action: 'errors', errors: { [B.newSeverity]: 'Pick a severity.' } });
      return;
    }
    await ack();
    await changeSeverity(ctx, { incidentId: target.i, actorId: body.user.id, severity });
  });

  app.view(M.merge, async ({ view, body, ack }) => {
    const target = parseProblem(view.private_metadata);
    const into = Number(selectedOf(stateValues(view), B.mergeTarget, I.mergeTarget));
    if (!target || !Number.isInteger(into) || into <= 0) {
      await ack({
        response_action: 'errors',
        errors: { [B.mergeTarget]: 'Pick the problem this one duplicates.' },
      });
      return;
    }
    if (into === target.p) {
      await ack({
        response_action: 'errors',
        errors: { [B.mergeTarget]: 'A problem cannot be merged into itself.' },
      });
      return;
    }
    await ack();
    const { moved } = await mergeProblem(ctx, { fromId: target.p, intoId: into, actorId: body.user.id });
    // Each moved case's card now names the problem it follows.
    const escalations = escalationContext(deps);
    for (const escalationId of moved) await refreshEscalationCard(escalations, escalationId);
  });
}
