import { stringify } from 'csv-stringify/sync';
import type { ReportPeriod, WeeklyTrendPoint } from '../domain/metrics.js';

/** The files that go with the monthly report: the CSV of the records behind it and the weekly trend chart's spec. */

export const REPORT_CSV_COLUMNS = [
  'record',
  'id',
  'created_at',
  'category_or_kind',
  'status',
  'problem_id',
  'duplicate_avoided',
  'finished_at',
  'duration_minutes',
  'amount_minor',
  'currency',
  'reason',
  'person',
] as const;

export type ReportCsvRow = Record<(typeof REPORT_CSV_COLUMNS)[number], string | number | boolean | null>;

/** RFC 4180 CSV with a header row; empty cells for missing values. */
export function reportCsv(rows: readonly ReportCsvRow[]): string {
  return stringify(
    rows.map((row) => REPORT_CSV_COLUMNS.map((column) => row[column] ?? '')),
    {
      header: true,
      columns: [...REPORT_CSV_COLUMNS],
      cast: { boolean: (value) => (value ? 'true' : 'false') },
    },
  );
}

export const reportFileNames = (period: ReportPeriod) => ({
  csv: `frontline-report-${period.month}.csv`,
  chart: `frontline-trend-${period.month}.png`,
});

/**
 * A Vega-Lite spec of the weekly trend: escalations raised against duplicate escalations avoided, one line each.
 * The chart is drawn by integrations/charts (no external service).
 */
export function weeklyTrendChartSpec(period: ReportPeriod, trend: readonly WeeklyTrendPoint[]) {
  const values = trend.flatMap((week) => [
    { week: week.label, series: 'Escalations raised', count: week.escalations },
    { week: week.label, series: 'Duplicates avoided', count: week.duplicatesAvoided },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Escalations vs duplicates avoided, weekly — ${period.month}`, anchor: 'start' },
    width: 560,
    height: 260,
    padding: 16,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2.5 },
    encoding: {
      x: { field: 'week', type: 'ordinal', title: 'Week starting (UTC)', axis: { labelAngle: 0 } },
      y: {
        field: 'count',
        type: 'quantitative',
        title: 'Escalations',
        // Whole numbers from zero; an empty month still gets a sensible axis.
        scale: { domain: [0, Math.max(1, ...values.map((value) => value.count))], nice: true },
        axis: { tickMinStep: 1, format: 'd' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: ['Escalations raised', 'Duplicates avoided'], range: ['#d1495b', '#2e86ab'] },
        legend: { orient: 'bottom' },
      },
    },
    config: { font: 'DejaVu Sans', view: { stroke: null } },
  } as const;
}
