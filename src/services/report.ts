import type { WebClient } from '@slack/web-api';
import type { Database } from '../db/client.js';
import { periodFigures, reportRows, weeklyTrend } from '../db/repositories/metrics.js';
import { monthLabel, previousMonth, type ReportPeriod, type WeeklyTrendPoint } from '../domain/metrics.js';
import { renderChartPng } from '../integrations/charts/png.js';
import type { Logger } from '../logger.js';
import { reportMessage } from '../views/report.js';
import { reportCsv, reportFileNames, weeklyTrendChartSpec } from '../views/report-files.js';
import { checkHoldsRole, type Directory } from './people.js';

/**
 * The monthly billing support report: figures for the month and the month before (docs/metrics.md), a message with
 * the changes, a CSV of the records behind them and a PNG of the weekly trend, sent to the person who asked.
 */
export interface ReportDeps {
  db: Database;
  slack: WebClient;
  directory: Directory;
  logger: Logger;
  definitionsUrl?: string;
}

export interface ReportMessage {
  period: ReportPeriod;
  message: ReturnType<typeof reportMessage>;
  trend: WeeklyTrendPoint[];
}

export interface ReportFiles {
  csv: string;
  png: Buffer;
  rows: number;
}

/** The report's message: the month's figures, the previous month's, and the weekly trend (the part a person waits for). */
export async function buildReportMessage(
  db: Database,
  period: ReportPeriod,
  options: { definitionsUrl?: string } = {},
): Promise<ReportMessage> {
  const previousPeriod = previousMonth(period);
  const [current, previous, trend] = await Promise.all([
    periodFigures(db, period),
    periodFigures(db, previousPeriod),
    weeklyTrend(db, period),
  ]);
  const message = reportMessage({
    period,
    previousPeriod,
    current,
    previous,
    trend,
    ...(options.definitionsUrl ? { definitionsUrl: options.definitionsUrl } : {}),
  });
  return { period, message, trend };
}

/** The report's files: every record behind the month as CSV, and the weekly trend as a PNG chart. */
export async function buildReportFiles(
  db: Database,
  period: ReportPeriod,
  trend: readonly WeeklyTrendPoint[],
): Promise<ReportFiles> {
  const [rows, png] = await Promise.all([
    reportRows(db, period),
    renderChartPng(weeklyTrendChartSpec(period, trend)),
  ]);
  return { csv: reportCsv(rows), png, rows: rows.length };
}

/** Anyone who holds a Frontline role may read the report; it names people and customers. */
export function mayReadReports(directory: Directory, userId: string): Promise<void> {
  return checkHoldsRole(
    directory,
    userId,
    'The billing support report is for people with a Frontline role. Ask a manager to add you.',
  );
}

/** Builds the month's report and sends it to the requester's direct messages: the message, then both files. */
export async function sendMonthlyReport(
  deps: ReportDeps,
  { userId, period }: { userId: string; period: ReportPeriod },
): Promise<{ channel: string; ts: string; rows: number }> {
  await mayReadReports(deps.directory, userId);
  const report = await buildReportMessage(deps.db, period, {
    ...(deps.definitionsUrl ? { definitionsUrl: deps.definitionsUrl } : {}),
  });
  const opened = await deps.slack.conversations.open({ users: userId });
  const channel = opened.channel?.id;
  if (!channel) throw new Error('conversations.open answered no channel');
  // The figures go out first; the files (a large month's CSV takes a few seconds) follow in the thread.
  const posted = await deps.slack.chat.postMessage({
    channel,
    text: report.message.text,
    blocks: report.message.blocks,
  });
  const files = await buildReportFiles(deps.db, period, report.trend);
  const names = reportFileNames(period);
  await deps.slack.files.uploadV2({
    channel_id: channel,
    thread_ts: posted.ts as string,
    initial_comment: `The records behind the ${monthLabel(period)} figures (${files.rows} rows) and the weekly trend.`,
    file_uploads: [
      {
        file: Buffer.from(files.csv, 'utf8'),
        filename: names.csv,
        title: `Records — ${monthLabel(period)}`,
      },
      {
        file: files.png,
        filename: names.chart,
        title: `Escalations vs duplicates avoided — ${monthLabel(period)}`,
        alt_text: `Weekly escalations raised and duplicate escalations avoided in ${monthLabel(period)}`,
      },
    ],
  });
  deps.logger.info({ userId, month: period.month, rows: files.rows }, 'monthly report sent');
  return { channel, ts: posted.ts as string, rows: files.rows };
}
