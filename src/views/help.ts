import type { KnownBlock } from '@slack/types';
import { MESSAGE_SHORTCUTS, SLASH_COMMANDS } from '../slack-surface.js';
import { escapeTruncated } from './mrkdwn.js';

export interface HelpViewModel {
  intakeChannels: string[];
  incidentsChannel: string;
  statusPageUrl: string;
  /** Roles the viewer holds, in words (e.g. "L2 agent"); empty when none. */
  viewerRoles: string[];
  unknownSubcommand?: string;
}

export function helpMessage(model: HelpViewModel): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  if (model.unknownSubcommand) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:thinking_face: \`${escapeTruncated(model.unknownSubcommand, 100)}\` is not something I know. Here is what I can do:`,
      },
    });
  }
  blocks.push(
    { type: 'header', text: { type: 'plain_text', text: 'What Frontline does' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          'Frontline turns billing escalations into incident work: a problem is confirmed once, every further case links to it, ' +
          'and customers hear about it through status updates instead of one reply at a time.',
      },
    },
    { type: 'divider' },
  );
  for (const command of SLASH_COMMANDS) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${command.command}* — ${command.description}\n${command.forms.join('\n')}`,
      },
    });
  }
  for (const shortcut of MESSAGE_SHORTCUTS) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${shortcut.name}* (message shortcut, in the ⋮ menu of any message) — ${shortcut.description}.`,
      },
    });
  }
  const intake = model.intakeChannels.map((id) => `<#${id}>`).join(', ');
  blocks.push(
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `*Intake channels* — post a case in ${intake || 'an intake channel'} (or mention me with \`escalate …\`) and I will answer in the thread with known problems that look the same.\n` +
          `*Incidents* are announced in <#${model.incidentsChannel}>; customers follow them on the <${model.statusPageUrl}|status page>.`,
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text:
            model.viewerRoles.length > 0
              ? `Your roles in Frontline: ${model.viewerRoles.join(', ')}.`
              : 'You hold no Frontline role yet; ask an admin to add you in the settings file.',
        },
      ],
    },
  );
  return {
    text: `${model.unknownSubcommand ? `"${escapeTruncated(model.unknownSubcommand, 100)}" is not something I know. ` : ''}What Frontline can do: /escalate, /billing, /incident, /frontline and the "Escalate to billing" shortcut.`,
    blocks,
  };
}
