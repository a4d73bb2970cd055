import type { App } from '@slack/bolt';
import type { Deps } from '../deps.js';
import { answerToMention } from '../domain/mentions.js';
import { describeRoles } from '../domain/roles.js';
import type { Feature, FrontlineSubcommand } from '../features.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import { helpMessage } from '../views/help.js';

async function renderHelp(deps: Deps, userId: string, unknownSubcommand?: string) {
  const roles = await deps.directory.rolesOf(userId);
  return helpMessage({
    intakeChannels: deps.settings.channels.intake,
    incidentsChannel: deps.settings.channels.incidents,
    statusPageUrl: `${deps.config.publicUrl}/status`,
    viewerRoles: describeRoles(roles),
    ...(unknownSubcommand ? { unknownSubcommand } : {}),
  });
}

/** `/frontline <subcommand>`: help, and whatever subcommands the features declare (queue, report, audit). */
export function registerFrontlineCommand(app: App, deps: Deps, features: readonly Feature[]) {
  const subcommands = new Map<string, FrontlineSubcommand>();
  for (const feature of features) {
    for (const [word, handler] of Object.entries(feature.frontline?.(deps) ?? {})) {
      if (subcommands.has(word)) throw new Error(`/frontline ${word} is declared by two features`);
      subcommands.set(word, handler);
    }
  }
  app.command('/frontline', async ({ command, ack, respond }) => {
    await ack();
    const text = command.text.trim();
    const [first = 'help'] = text.split(/\s+/).filter(Boolean);
    const word = first.toLowerCase();
    const handler = subcommands.get(word);
    if (handler) {
      await handler({
        userId: command.user_id,
        channelId: command.channel_id,
        args: text.slice(first.length).trim(),
        respond,
        triggerId: command.trigger_id,
      });
      return;
    }
    await respond({
      response_type: 'ephemeral',
      ...(await renderHelp(deps, command.user_id, word === 'help' ? undefined : first)),
    });
  });

  // "@Frontline help" (or a bare mention) answers in the thread of the mention, and so does a word Frontline does not
  // know, with a note saying so; `escalate …` and new posts in intake channels are answered by the intake.
  // The reply goes out through a durable job, keyed by the mention, so it survives a crash and is posted once.
  const intakeChannels = new Set(deps.settings.channels.intake);
  app.event('app_mention', async ({ event }) => {
    if (!event.user) return;
    const answer = answerToMention(
      event.text,
      { channel: event.channel, ts: event.ts, threadTs: event.thread_ts },
      intakeChannels,
    );
    if (answer.kind !== 'help' && answer.kind !== 'unknown') return;
    const help = await renderHelp(deps, event.user, answer.kind === 'unknown' ? answer.word : undefined);
    const post: SlackPost = {
      key: `mention-help:${event.channel}:${event.ts}`,
      channel: event.channel,
      threadTs: event.thread_ts ?? event.ts,
      text: help.text,
      blocks: help.blocks as unknown as SlackPost['blocks'],
    };
    await deps.jobs.enqueue(deps.db, SLACK_POST_JOB, post);
  });
}
