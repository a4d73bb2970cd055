import type { App } from '@slack/bolt';
import type { Deps } from '../deps.js';
import { describeRoles } from '../domain/roles.js';
import { helpMessage } from '../views/help.js';

/** `/frontline <subcommand>`: help now; the queue, report and audit arrive with their features. */
export function registerFrontlineCommand(app: App, deps: Deps) {
  app.command('/frontline', async ({ command, ack, respond }) => {
    await ack();
    const [subcommand = 'help'] = command.text.trim().split(/\s+/).filter(Boolean);
    const known = subcommand.toLowerCase() === 'help';
    const roles = await deps.directory.rolesOf(command.user_id);
    const message = helpMessage({
      intakeChannels: deps.settings.channels.intake,
      incidentsChannel: deps.settings.channels.incidents,
      statusPageUrl: `${deps.config.publicUrl}/status`,
      viewerRoles: describeRoles(roles),
      ...(known ? {} : { unknownSubcommand: subcommand }),
    });
    await respond({ response_type: 'ephemeral', ...message });
  });
}
