import type { Database } from '../../src/db/client.js';
import {
  accountActions,
  approvals,
  escalations,
  incidents,
  problems,
  rcaTickets,
  statusUpdates,
} from '../../src/db/schema/index.js';
import type { ActionParams, RefundReason } from '../../src/domain/account-actions.js';

/**
 * A small data set around October 2026 whose figures were worked out by hand (test/integration/metrics.test.ts
 * writes them down). It has rows on both sides of each UTC month boundary: 2026-09-30T23:59:59.999Z is September,
 * 2026-10-01T00:00:00Z is October, 2026-11-01T00:00:00Z is November.
 */
const at = (iso: string) => new Date(iso);

/**
 * `account_actions.parameters` as the account-actions feature stores it (services/account-actions.ts createAction):
 * the typed request under `params`, what it acts on, and the customer's recent money movements shown to approvers.
 */
export function storedParameters(params: ActionParams): Record<string, unknown> {
  return { params, target: {}, recentRefunds: 0, history: { refunds: [], credits: [] }, historyDays: 90 };
}

export const AGENT = 'U0SBXL1';
export const OTHER_AGENT = 'U0SBXL1B';

export async function seedMetricsData(db: Database) {
  const problem = async (title: string, createdAt: string, kind: string | null) => {
    const [row] = await db
      .insert(problems)
      .values({
        title,
        category: 'payment_failed',
        createdBy: 'U0SBXENG',
        kind,
        status: kind ? 'open' : 'triage',
        createdAt: at(createdAt),
        updatedAt: at(createdAt),
      })
      .returning();
    if (!row) throw new Error('no problem');
    return row.id;
  };
  const p1 = await problem('Renewal charged twice after card update', '2026-09-20T10:00:00Z', 'bug');
  const p2 = await problem('Invoices show the wrong tax rate', '2026-10-05T09:00:00Z', 'incident');
  const p3 = await problem('Refund button greyed out', '2026-10-10T12:00:00Z', null);
  const p4 = await problem('Proration preview off by a day', '2026-10-31T23:00:00Z', 'bug');

  const escalation = async (values: {
    ref: string;
    category: string;
    createdAt: string;
    problemId?: number;
    linkedAt?: string;
    closedAt?: string;
    status: string;
    requester?: string;
  }) => {
    const [row] = await db
      .insert(escalations)
      .values({
        customerId: `cus_${values.ref}`,
        customerName: `Customer ${values.ref}`,
        priority: 'p3',
        category: values.category,
        summary: `Case ${values.ref}`,
        requesterId: values.requester ?? AGENT,
        source: 'command',
        status: values.status,
        problemId: values.problemId ?? null,
        createdAt: at(values.createdAt),
        updatedAt: at(values.createdAt),
        linkedAt: values.linkedAt ? at(values.linkedAt) : null,
        closedAt: values.closedAt ? at(values.closedAt) : null,
      })
      .returning();
    if (!row) throw new Error('no escalation');
    return row.id;
  };
  // September cohort
  await escalation({
    ref: 'E1',
    category: 'payment_failed',
    createdAt: '2026-09-30T23:59:59.999Z',
    closedAt: '2026-10-01T01:00:00Z',
    status: 'closed',
  });
  await escalation({
    ref: 'E10',
    category: 'payment_failed',
    createdAt: '2026-09-15T10:00:00Z',
    problemId: p1,
    linkedAt: '2026-10-03T10:00:00Z',
    status: 'linked',
  });
  await escalation({
    ref: 'E11',
    category: 'plan_change',
    createdAt: '2026-09-10T00:00:00Z',
    closedAt: '2026-09-10T04:00:00Z',
    status: 'closed',
  });
  // October cohort
  await escalation({
    ref: 'E2',
    category: 'payment_failed',
    createdAt: '2026-10-01T00:00:00Z',
    problemId: p1,
    linkedAt: '2026-10-01T00:30:00Z',
    closedAt: '2026-10-01T02:00:00Z',
    status: 'closed',
  });
  await escalation({
    ref: 'E3',
    category: 'payment_failed',
    createdAt: '2026-10-02T10:00:00Z',
    problemId: p1,
    linkedAt: '2026-10-02T10:05:00Z',
    status: 'linked',
  });
  await escalation({
    ref: 'E4',
    category: 'invoice_discrepancy',
    createdAt: '2026-10-05T09:00:00Z',
    problemId: p2,
    linkedAt: '2026-10-05T09:00:00Z',
    closedAt: '2026-10-06T09:00:00Z',
    status: 'closed',
  });
  await escalation({
    ref: 'E5',
    category: 'invoice_discrepancy',
    createdAt: '2026-10-06T08:00:00Z',
    problemId: p2,
    linkedAt: '2026-10-06T08:10:00Z',
    closedAt: '2026-10-07T08:00:00Z',
    status: 'closed',
  });
  await escalation({
    ref: 'E6',
    category: 'refund',
    createdAt: '2026-10-10T12:00:00Z',
    problemId: p3,
    linkedAt: '2026-10-10T12:00:00Z',
    status: 'open',
  });
  await escalation({ ref: 'E7', category: 'refund', createdAt: '2026-10-20T15:00:00Z', status: 'open' });
  await escalation({
    ref: 'E8',
    category: 'other',
    createdAt: '2026-10-31T23:59:59Z',
    status: 'open',
    requester: OTHER_AGENT,
  });
  // November
  await escalation({ ref: 'E9', category: 'other', createdAt: '2026-11-01T00:00:00Z', status: 'open' });

  const [i1] = await db
    .insert(incidents)
    .values({
      problemId: p2,
      publicTitle: 'Invoices show the wrong tax rate',
      severity: 'major',
      state: 'resolved',
      ownerId: 'U0SBXENG',
      createdAt: at('2026-10-05T09:30:00Z'),
      identifiedAt: at('2026-10-05T10:00:00Z'),
      resolvedAt: at('2026-10-05T13:30:00Z'),
    })
    .returning();
  if (!i1) throw new Error('no incident');
  for (const [state, time] of [
    ['investigating', '2026-10-05T09:45:00Z'],
    ['identified', '2026-10-05T10:00:00Z'],
  ] as const) {
    await db.insert(statusUpdates).values({
      incidentId: i1.id,
      state,
      publicMessage: `We are ${state}.`,
      authorId: 'U0SBXENG',
      createdAt: at(time),
    });
  }
  await db.insert(incidents).values({
    problemId: p4,
    publicTitle: 'Proration preview off by a day',
    severity: 'minor',
    state: 'investigating',
    ownerId: 'U0SBXENG',
    createdAt: at('2026-10-31T23:30:00Z'),
  });

  await db.insert(rcaTickets).values([
    {
      problemId: p1,
      jiraKey: 'RCA-1',
      status: 'closed',
      createdAt: at('2026-09-20T11:00:00Z'),
      closedAt: at('2026-10-15T00:00:00Z'),
    },
    { problemId: p2, jiraKey: 'RCA-2', status: 'open', createdAt: at('2026-10-05T10:00:00Z') },
    {
      problemId: p3,
      jiraKey: 'RCA-3',
      status: 'closed',
      createdAt: at('2026-10-11T00:00:00Z'),
      closedAt: at('2026-11-02T00:00:00Z'),
    },
  ]);

  const action = async (values: {
    kind: 'refund' | 'credit' | 'payment_link';
    state: string;
    createdAt: string;
    executedAt?: string;
    amountMinor?: number;
    currency?: string;
    reason?: RefundReason;
    requester?: string;
    approval?: { role: string; decision: string | null; decidedAt?: string };
  }) => {
    const params: ActionParams =
      values.kind === 'refund'
        ? {
            kind: 'refund',
            target: 'ch_DemoHalcyon0001',
            amountMinor: values.amountMinor,
            currency: values.currency ?? 'usd',
            refundReason: values.reason ?? 'requested_by_customer',
          }
        : values.kind === 'credit'
          ? { kind: 'credit', amountMinor: values.amountMinor ?? 0, currency: values.currency ?? 'usd' }
          : { kind: 'payment_link' };
    const [row] = await db
      .insert(accountActions)
      .values({
        kind: values.kind,
        customerId: 'cus_DemoHalcyonFreight',
        parameters: storedParameters(params),
        amountMinor: values.amountMinor ?? null,
        currency: values.currency ?? null,
        reason: 'Customer asked',
        requesterId: values.requester ?? AGENT,
        state: values.state,
        createdAt: at(values.createdAt),
        updatedAt: at(values.createdAt),
        executedAt: values.executedAt ? at(values.executedAt) : null,
      })
      .returning();
    if (!row) throw new Error('no action');
    if (values.approval) {
      await db.insert(approvals).values({
        actionId: row.id,
        stage: 1,
        requiredRole: values.approval.role,
        decision: values.approval.decision,
        approverId: values.approval.decision ? 'U0SBXMGR' : null,
        createdAt: at(values.createdAt),
        decidedAt: values.approval.decidedAt ? at(values.approval.decidedAt) : null,
      });
    }
    return row.id;
  };
  const ids = {
    a1: await action({
      kind: 'refund',
      state: 'executed',
      createdAt: '2026-10-03T10:00:00Z',
      executedAt: '2026-10-03T10:02:00Z',
      amountMinor: 5000,
      currency: 'usd',
      reason: 'duplicate',
    }),
    a2: await action({
      kind: 'refund',
      state: 'executed',
      createdAt: '2026-10-04T10:00:00Z',
      executedAt: '2026-10-04T12:01:00Z',
      amountMinor: 2500,
      currency: 'usd',
      reason: 'requested_by_customer',
      approval: { role: 'manager', decision: 'approved', decidedAt: '2026-10-04T12:00:00Z' },
    }),
    a3: await action({
      kind: 'refund',
      state: 'executed',
      createdAt: '2026-10-31T23:00:00Z',
      executedAt: '2026-11-01T00:00:00Z',
      amountMinor: 10000,
      currency: 'eur',
      reason: 'duplicate',
      approval: { role: 'manager', decision: 'approved', decidedAt: '2026-11-01T00:00:00Z' },
    }),
    a4: await action({
      kind: 'credit',
      state: 'executed',
      createdAt: '2026-10-07T09:00:00Z',
      executedAt: '2026-10-07T09:01:00Z',
      amountMinor: 3000,
      currency: 'usd',
    }),
    a5: await action({
      kind: 'credit',
      state: 'denied',
      createdAt: '2026-10-08T09:00:00Z',
      amountMinor: 90000,
      currency: 'usd',
      approval: { role: 'vp', decision: 'denied', decidedAt: '2026-10-08T10:00:00Z' },
    }),
    a6: await action({ kind: 'payment_link', state: 'failed', createdAt: '2026-10-09T08:00:00Z' }),
    a7: await action({
      kind: 'payment_link',
      state: 'executed',
      createdAt: '2026-10-09T09:00:00Z',
      executedAt: '2026-10-09T09:00:30Z',
    }),
    a8: await action({
      kind: 'refund',
      state: 'pending_approval',
      createdAt: '2026-10-12T09:00:00Z',
      amountMinor: 40000,
      currency: 'usd',
      reason: 'requested_by_customer',
      requester: OTHER_AGENT,
      approval: { role: 'manager', decision: null },
    }),
    a9: await action({
      kind: 'credit',
      state: 'expired',
      createdAt: '2026-10-13T09:00:00Z',
      amountMinor: 20000,
      currency: 'usd',
      approval: { role: 'manager', decision: 'expired', decidedAt: '2026-10-14T09:00:00Z' },
    }),
    a10: await action({
      kind: 'refund',
      state: 'executed',
      createdAt: '2026-09-29T00:00:00Z',
      executedAt: '2026-10-01T00:00:00Z',
      amountMinor: 700,
      currency: 'usd',
      reason: 'requested_by_customer',
    }),
  };
  return { problems: { p1, p2, p3, p4 }, actions: ids };
}
