import type { Deps } from '../deps.js';
import { choosePeriod, monthLabel } from '../domain/metrics.js';
import { invalidInput } from '../errors.js';
import type { FrontlineSubcommand } from '../features.js';
import { mayReadReports, type ReportDeps, sendMonthlyReport } from '../services/report.js';

export function reportDeps(deps: Deps): ReportDeps {
  return {
    db: deps.db,
    slack: deps.integrations.slack,
    directory: deps.directory,
    logger: deps.logger,
  };
}

/**
 * `/frontline report [YYYY-MM]`: acked by the `/frontline` router; the month is checked here, then the report is built
 * and sent as a direct message (a few seconds of work after the ack).
 */
export function reportSubcommand(deps: Deps): FrontlineSubcommand {
  const report = reportDeps(deps);
  return async ({ userId, args, respond }) => {
    const chosen = choosePeriod(args, deps.now());
    if (!chosen.ok) throw invalidInput(chosen.message);
    await mayReadReports(deps.directory, userId);
    await respond({
      response_type: 'ephemeral',
      text: `:bar_chart: Putting together the ${monthLabel(chosen.period)} report; it will arrive in your direct messages with Frontline in a moment.`,
    });
    await sendMonthlyReport(report, { userId, period: chosen.period });
  };
}
