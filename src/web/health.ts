import { Hono } from 'hono';
import type { DatabaseHandle } from '../db/client.js';

/** `/healthz`: the process answers. `/readyz`: the database answers and every migration is applied. */
export function healthRoutes({ database, startedAt }: { database: DatabaseHandle; startedAt: Date }): Hono {
  const web = new Hono();
  web.get('/healthz', (c) =>
    c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000) }),
  );
  web.get('/readyz', async (c) => {
    const kind = database.kind === 'postgres' ? 'postgres' : 'embedded';
    try {
      await database.ping();
      const migrated = await database.migrationsApplied();
      if (!migrated)
        return c.json({ status: 'not_ready', database: kind, reason: 'migrations pending' }, 503);
      return c.json({ status: 'ready', database: kind, migrations: 'applied' });
    } catch {
      return c.json({ status: 'not_ready', database: kind, reason: 'database unreachable' }, 503);
    }
  });
  return web;
}
