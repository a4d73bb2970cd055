import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Deps } from '../deps.js';
import {
  IMPACT_SCOPES,
  type ImpactScope,
  RELEASE_DECISIONS,
  RELEASE_LABELS,
  type ReleaseDecision,
  suggestReleaseForDraft,
} from '../domain/release.js';
import { FrontlineError, invalidInput } from '../errors.js';
import type { FrontlineSubcommand } from '../features.js';
import { InOrder } from '../in-order.js';
import {
  type AssessmentDeps,
  type AssessmentInput,
  assessmentForm,
  assessmentPreview,
  saveAssessment,
} from '../services/assessment.js';
import { checkHoldsRole } from '../services/people.js';
import { rankedProblems } from '../services/priority.js';
import { createRcaTicketByHand, jiraBrowseUrl, type RcaDeps } from '../services/rca.js';
import {
  customerConfirmed,
  markFixReleased,
  type ResolutionDeps,
  stillBroken,
  stillBrokenForm,
} from '../services/resolution.js';
import {
  type AssessmentFormValues,
  assessmentModal,
  followRulesLabel,
  type QueueRow,
  queueMessage,
  stillBrokenModal,
} from '../views/rca.js';
import { parseEscalationRef, parseProblem, RCA_IDS } from '../views/rca-actions.js';
import {
  checkedOf,
  selectedLabelOf,
  selectedOf,
  stateValues,
  textOf,
  type ViewStateValues,
} from './view-state.js';

const { actions: A, blocks: B, inputs: I, modals: M } = RCA_IDS;

export function rcaDeps(deps: Deps): RcaDeps {
  return {
    db: deps.db,
    jobs: deps.jobs,
    jira: deps.integrations.jira,
    projectKey: deps.integrations.jiraProjectKey,
    jiraHost: deps.integrations.jiraHost,
    publicUrl: deps.config.publicUrl,
    settings: deps.settings,
    logger: deps.logger,
    now: deps.now,
  };
}

const serviceDeps = (deps: Deps): AssessmentDeps & ResolutionDeps => ({
  db: deps.db,
  jobs: deps.jobs,
  settings: deps.settings,
  directory: deps.directory,
  now: deps.now,
});

/** Buttons on the problem card and in requesters' threads, the assessment and "still broken" modals. */
export function registerRca(app: App, deps: Deps) {
  const ctx = serviceDeps(deps);
  const slack = deps.integrations.slack;

  app.action<BlockAction<ButtonAction>>(A.createTicket, async ({ action, body, ack }) => {
    await ack();
    const target = parseProblem(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await createRcaTicketByHand({ ...ctx }, { problemId: target.p, actorId: body.user.id });
  });

  app.action<BlockAction<ButtonAction>>(A.assess, async ({ action, body, ack }) => {
    await ack();
    const target = parseProblem(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    const model = await assessmentForm(ctx, { problemId: target.p, actorId: body.user.id });
    await slack.views.open({ trigger_id: body.trigger_id, view: assessmentModal(model) });
  });

  app.action<BlockAction<ButtonAction>>(A.fixReleased, async ({ action, body, ack }) => {
    await ack();
    const target = parseProblem(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    await markFixReleased(ctx, { problemId: target.p, actorId: body.user.id });
  });

  app.action<BlockAction<ButtonAction>>(A.customerConfirmed, async ({ action, body, ack }) => {
    await ack();
    const target = parseEscalationRef(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    const result = await customerConfirmed(ctx, { escalationId: target.e, actorId: body.user.id });
    if (result.closed && body.channel?.id && body.message?.ts)
      await slack.chat.update({ channel: body.channel.id, ts: body.message.ts, ...result.answered } as never);
  });

  app.action<BlockAction<ButtonAction>>(A.stillBroken, async ({ action, body, ack }) => {
    await ack();
    const target = parseEscalationRef(action.value);
    if (!target) throw invalidInput('That button is not valid any more.');
    const form = await stillBrokenForm(ctx, { escalationId: target.e, actorId: body.user.id });
    await slack.views.open({
      trigger_id: body.trigger_id,
      view: stillBrokenModal(form.escalationId, form.customerName),
    });
  });

  app.view(M.stillBroken, async ({ view, body, ack }) => {
    const target = parseEscalationRef(view.private_metadata);
    const reason = textOf(stateValues(view), B.reason, I.reason).trim();
    if (!target) {
      await ack();
      return;
    }
    if (reason.length < 3) {
      await ack({ response_action: 'errors', errors: { [B.reason]: 'Say what the customer still sees.' } });
      return;
    }
    await ack();
    await stillBroken(ctx, { escalationId: target.e, actorId: body.user.id, reason });
  });

  // An answer that decides the suggestion changed: show the form again with the rules' suggestion for the answers so
  // far. No hash: every payload carries the whole form, so the newest answer's refresh is the one to keep; refreshes
  // of one form go out one after another in the order the answers came, so an older one never lands last.
  const refreshes = new InOrder();
  for (const actionId of [I.running, I.financial, I.scope, I.longStanding, I.workaroundEasy]) {
    app.action<BlockAction>(actionId, async ({ body, ack }) => {
      await ack();
      const target = parseProblem(body.view?.private_metadata);
      const view = body.view;
      if (!view || !target) return;
      const values = formValues(stateValues(view));
      await refreshes.run(view.id, async () => {
        const model = await assessmentPreview(ctx, { problemId: target.p, actorId: body.user.id, values });
        await slack.views.update({ view_id: view.id, view: assessmentModal(model) });
      });
    });
  }

  app.view(M.assessment, async ({ view, body, ack }) => {
    const target = parseProblem(view.private_metadata);
    if (!target) {
      await ack();
      return;
    }
    const form = formValues(stateValues(view));
    // "Follow the rules" names the decision the form showed; a text typed since (the workaround) can change what the
    // rules say without refreshing the form. Saving then would store a decision the engineer did not see: the form
    // comes back with the current suggestion instead.
    const suggestion = suggestReleaseForDraft(form);
    try {
      if (
        form.decision === 'suggested' &&
        selectedLabelOf(stateValues(view), B.decision, I.decision) !== followRulesLabel(suggestion)
      ) {
        const model = await assessmentPreview(ctx, {
          problemId: target.p,
          actorId: body.user.id,
          values: form,
        });
        await ack({
          response_action: 'update',
          view: assessmentModal({
            ...model,
            notice: `With your latest answers the rules suggest *${suggestion ? RELEASE_LABELS[suggestion.decision] : 'nothing yet'}*, not what the form showed. Save again to follow them, or pick a decision.`,
          }),
        });
        return;
      }
      // Validation errors, and a problem merged or closed since the form opened, come back from the service before
      // anything is written; show them on the fields.
      await saveAssessment(ctx, {
        problemId: target.p,
        actorId: body.user.id,
        input: assessmentInput(form),
      });
    } catch (error) {
      if (error instanceof FrontlineError && error.fieldErrors) {
        await ack({ response_action: 'errors', errors: error.fieldErrors });
        return;
      }
      await ack();
      throw error;
    }
    await ack();
  });
}

/** The assessment form as far as it is filled in (unanswered questions stay undefined). */
function formValues(values: ViewStateValues): AssessmentFormValues {
  const answer = (block: string, input: string) => {
    const chosen = selectedOf(values, block, input);
    return chosen === undefined ? undefined : chosen === 'yes';
  };
  const scope = selectedOf(values, B.scope, I.scope);
  return {
    startedAt: textOf(values, B.startedAt, I.startedAt).trim(),
    causedBy: textOf(values, B.causedBy, I.causedBy).trim(),
    applicationRunning: answer(B.running, I.running),
    financial: answer(B.financial, I.financial),
    affectedFunctionality: textOf(values, B.functionality, I.functionality).trim(),
    scope: (IMPACT_SCOPES as readonly string[]).includes(scope ?? '') ? (scope as ImpactScope) : undefined,
    longStanding: checkedOf(values, B.longStanding, I.longStanding).includes('yes'),
    workaround: textOf(values, B.workaround, I.workaround).trim(),
    workaroundEasy: checkedOf(values, B.workaroundEasy, I.workaroundEasy).includes('yes'),
    dataCleanup: textOf(values, B.dataCleanup, I.dataCleanup).trim(),
    decision: selectedOf(values, B.decision, I.decision),
    overrideReason: textOf(values, B.overrideReason, I.overrideReason),
    fixVersion: textOf(values, B.fixVersion, I.fixVersion),
  };
}

/** A submitted form as the service takes it (Slack makes the required questions answered before submitting). */
function assessmentInput(form: AssessmentFormValues): AssessmentInput {
  return {
    answers: {
      startedAt: form.startedAt ?? '',
      causedBy: form.causedBy ?? '',
      applicationRunning: form.applicationRunning ?? false,
      financial: form.financial ?? false,
      affectedFunctionality: form.affectedFunctionality ?? '',
      scope: form.scope ?? 'few',
      longStanding: form.longStanding ?? false,
      workaround: form.workaround ?? '',
      workaroundEasy: form.workaroundEasy ?? false,
      dataCleanup: form.dataCleanup ?? '',
    },
    chosen: (RELEASE_DECISIONS as readonly string[]).includes(form.decision ?? '')
      ? (form.decision as ReleaseDecision)
      : undefined,
    overrideReason: form.overrideReason ?? '',
    fixVersion: form.fixVersion ?? '',
  };
}

async function queueRows(deps: Deps, limit: number): Promise<QueueRow[]> {
  const host = deps.integrations.jiraHost;
  const rows = await rankedProblems(deps.db, limit);
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    status: row.status,
    kind: row.kind,
    score: row.priorityScore,
    explanation: row.priorityExplanation,
    jiraKey: row.jiraKey,
    jiraUrl: row.jiraKey && host ? jiraBrowseUrl(host, row.jiraKey) : undefined,
  }));
}

/** `/frontline queue`: open problems ranked by who is hurt, with the explanation and the RCA ticket. */
export function queueSubcommand(deps: Deps): FrontlineSubcommand {
  return async ({ userId, respond }) => {
    // The queue names customers and what they pay.
    await checkHoldsRole(
      deps.directory,
      userId,
      'The ranked queue is for people with a Frontline role. Ask a manager to add you.',
    );
    await respond({ response_type: 'ephemeral', ...queueMessage(await queueRows(deps, 15)) });
  };
}
