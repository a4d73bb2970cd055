import { eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { insertProblem } from '../../src/db/repositories/problems.js';
import { recordComponentStates } from '../../src/db/repositories/status-page.js';
import { incidents, statusUpdates } from '../../src/db/schema/index.js';

/**
 * Writes incidents and status updates straight to the database, as the incident service does (the status update and
 * its component states in one transaction), for tests and benchmarks of the public status page.
 */

export interface SeedUpdate {
  state: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  publicMessage: string;
  internalNote?: string;
  componentStates?: Record<string, string>;
  at: Date;
}

export interface SeedIncident {
  publicTitle: string;
  publicSummary?: string;
  severity: 'sev1' | 'sev2' | 'sev3' | 'sev4';
  components: string[];
  createdAt: Date;
  updates: SeedUpdate[];
}

const STATE_COLUMN = {
  investigating: undefined,
  identified: 'identifiedAt',
  monitoring: 'monitoringAt',
  resolved: 'resolvedAt',
} as const;

export async function seedIncident(db: Database, incident: SeedIncident): Promise<number> {
  return db.transaction(async (tx) => {
    const problem = await insertProblem(tx, {
      title: incident.publicTitle,
      symptoms: incident.publicSummary ?? '',
      category: 'payment_failure',
      createdBy: 'U0SBXENG',
      signals: { codes: [], stripeIds: [], invoiceNumbers: [] },
      now: incident.createdAt,
    });
    const [row] = await tx
      .insert(incidents)
      .values({
        problemId: problem.id,
        publicTitle: incident.publicTitle,
        publicSummary: incident.publicSummary ?? '',
        severity: incident.severity,
        state: 'investigating',
        components: incident.components,
        ownerId: 'U0SBXENG',
        createdAt: incident.createdAt,
      })
      .returning({ id: incidents.id });
    if (!row) throw new Error('incident insert returned nothing');
    for (const update of incident.updates) {
      await tx.insert(statusUpdates).values({
        incidentId: row.id,
        state: update.state,
        publicMessage: update.publicMessage,
        internalNote: update.internalNote ?? null,
        componentStates: update.componentStates ?? {},
        authorId: 'U0SBXENG',
        createdAt: update.at,
      });
      if (update.componentStates) {
        await recordComponentStates(tx, {
          incidentId: row.id,
          states: update.componentStates,
          at: update.at,
        });
      }
      const column = STATE_COLUMN[update.state];
      await tx
        .update(incidents)
        .set({ state: update.state, lastUpdateAt: update.at, ...(column ? { [column]: update.at } : {}) })
        .where(eq(incidents.id, row.id));
    }
    return row.id;
  });
}
