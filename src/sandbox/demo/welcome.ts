import { problemRef } from '../../domain/escalation.js';

/**
 * The first message in the sandbox's intake channel: what the demo holds and what to try first. Posted by Slackbot
 * on the fake (not by the app), at start-up and after a reset.
 */
export function welcomeText(known: { id: number; title: string; customers: number } | undefined): string {
  const problem = known
    ? `The known problem *${problemRef(known.id)} — ${known.title}* (${known.customers} customers linked, workaround recorded) is waiting to be found.`
    : 'The known demo problem is missing; press *Reset demo* to restore it.';
  return [
    '*Welcome to the Frontline sandbox.* Choose who you are at the top; everything you do here reaches the app as Slack would send it.',
    'Things to try:',
    '• As an L1 agent, type `/escalate Customer was charged twice for the renewal`, pick the customer *Corvid Robotics* and the category *Duplicate charge*, and press Escalate. Your card arrives in *Frontline — Messages*.',
    `• ${problem}`,
    '• `/billing halcyon` shows a customer’s billing picture; *Frontline — Home* shows your App Home.',
    'Demo customers in the local Stripe: Halcyon Freight Systems (enterprise, add-ons), Brightleaf Studio (failed payments, card expiring), Corvid Robotics (duplicate charge), Juniper & Moss Bakery (self-serve), Quillfeather Labs (trial), Ostrander Legal LLP (annual, 10% off).',
  ].join('\n');
}
