import { describe, expect, it, vi } from 'vitest';
import { PostedRecorder } from '../../src/jobs/fan-out.js';
import type { Logger } from '../../src/logger.js';

const quietLogger = () => {
  const warn = vi.fn();
  return { logger: { warn } as unknown as Logger, warn };
};

describe('recording posted messages in batches', () => {
  it('a failed background write is logged, not left unhandled, and its records go out with the next write', async () => {
    const written: Array<Array<{ key: string; ts: string }>> = [];
    let failures = 1;
    const { logger, warn } = quietLogger();
    const recorder = new PostedRecorder(
      async (batch) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('connection refused');
        }
        written.push(batch);
      },
      logger,
      5,
    );
    recorder.add('k1', '1.1');
    recorder.add('k2', '1.2');
    // The timer's write fails: an unhandled rejection here would fail this test run.
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ kept: 2 });
    recorder.add('k3', '1.3');
    await recorder.flush();
    expect(written.flat().map((record) => record.key)).toEqual(['k1', 'k2', 'k3']);
  });

  it('retries a failed background write by itself; the last flush, which the run awaits, reports its failure', async () => {
    const written: string[] = [];
    let healthy = false;
    const { logger, warn } = quietLogger();
    const recorder = new PostedRecorder(
      async (batch) => {
        if (!healthy) throw new Error('database is down');
        written.push(...batch.map((record) => record.key));
      },
      logger,
      2,
    );
    recorder.add('k1', '1.1');
    await vi.waitFor(() => expect(warn).toHaveBeenCalled());
    healthy = true;
    await vi.waitFor(() => expect(written).toEqual(['k1']), { timeout: 2_000 });

    healthy = false;
    recorder.add('k2', '1.2');
    await expect(recorder.flush()).rejects.toThrow('database is down');
    healthy = true;
    await recorder.flush();
    expect(written).toEqual(['k1', 'k2']);
  });

  it('writes 200 records at once without waiting for the timer', async () => {
    const sizes: number[] = [];
    const { logger } = quietLogger();
    const recorder = new PostedRecorder(
      async (batch) => {
        sizes.push(batch.length);
      },
      logger,
      60_000,
    );
    for (let i = 0; i < 200; i += 1) recorder.add(`k${i}`, `1.${i}`);
    await vi.waitFor(() => expect(sizes).toEqual([200]));
    await recorder.flush();
    expect(sizes).toEqual([200]);
  });
});
