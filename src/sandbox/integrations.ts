import { randomBytes } from 'node:crypto';
import type { Config, Settings } from '../config.js';
import type { Logger } from '../logger.js';
import { seedStripeDemo } from './demo/stripe-demo.js';
import { JiraFake } from './fakes/jira-fake.js';
import { SlackFake } from './fakes/slack-fake.js';
import { StripeFake } from './fakes/stripe-fake.js';
import { SANDBOX_PEOPLE } from './people.js';

/**
 * The local stand-ins for Slack, Stripe and Jira, started in-process for whichever of them has no real credentials.
 * Each is switched off independently by its real credentials, and none of this is loaded otherwise.
 */
export interface SandboxIntegrations {
  slack?: { fake: SlackFake; botToken: string; signingSecret: string; apiUrl: string };
  stripe?: { fake: StripeFake; secretKey: string; apiBase: URL };
  jira?: { fake: JiraFake; host: string; email: string; apiToken: string };
  stop(): Promise<void>;
}

export const SANDBOX_TEAM_ID = 'T0FRONTLINE';
export const SANDBOX_BOT_USER_ID = 'U0FRONTLINE';

export async function startSandboxIntegrations(config: Config, logger: Logger): Promise<SandboxIntegrations> {
  const stops: Array<() => Promise<void>> = [];
  const sandbox: SandboxIntegrations = {
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };
  try {
    if (config.slack.mode === 'sandbox') {
      const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
      const fake = await new SlackFake({
        botToken,
        teamId: SANDBOX_TEAM_ID,
        botUserId: SANDBOX_BOT_USER_ID,
      }).start();
      stops.push(() => fake.stop());
      seedSlackSandbox(fake, config.settings);
      sandbox.slack = {
        fake,
        botToken,
        signingSecret: randomBytes(16).toString('hex'),
        apiUrl: `${fake.url}/api/`,
      };
    }
    if (config.stripe.mode === 'sandbox') {
      const fake = await new StripeFake().start();
      stops.push(() => fake.stop());
      seedStripeDemo(fake);
      sandbox.stripe = { fake, secretKey: 'sk_test_sandbox', apiBase: new URL(fake.url) };
    }
    if (config.jira.mode === 'sandbox') {
      const fake = await new JiraFake({
        projects: [{ key: config.jira.projectKey, name: 'Root-cause analysis' }],
      }).start();
      stops.push(() => fake.stop());
      sandbox.jira = { fake, host: fake.url, email: 'frontline@example.com', apiToken: 'sandbox' };
    }
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  logger.debug('sandbox integrations started');
  return sandbox;
}

/** The sandbox workspace: its people and the configured channels (again after a reset). */
export function seedSlackSandbox(fake: SlackFake, settings: Settings): void {
  for (const person of SANDBOX_PEOPLE)
    fake.addUser({ id: person.id, name: person.name, realName: person.realName });
  const channels = settings.channels;
  const named: Array<[string, string]> = [
    ...channels.intake.map((id, index): [string, string] => [
      id,
      index === 0 ? 'billing-intake' : `billing-intake-${index + 1}`,
    ]),
    [channels.incidents, 'billing-incidents'],
    [channels.approvals, 'billing-approvals'],
    [channels.product, 'product'],
    [channels.marketing, 'marketing'],
  ];
  for (const [id, name] of named) fake.addChannel({ id, name });
}
