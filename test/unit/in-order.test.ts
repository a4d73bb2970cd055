import { describe, expect, it } from 'vitest';
import { InOrder } from '../../src/in-order.js';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('work in order per key', () => {
  it('a piece started earlier ends before a later one starts, whatever each takes; other keys go on', async () => {
    const order = new InOrder();
    const events: string[] = [];
    const piece = (name: string, ms: number) => async () => {
      events.push(`${name} start`);
      await later(ms);
      events.push(`${name} end`);
    };
    await Promise.all([
      order.run('a', piece('a1', 40)),
      order.run('a', piece('a2', 1)),
      order.run('b', piece('b1', 1)),
    ]);
    expect(events.indexOf('a1 end')).toBeLessThan(events.indexOf('a2 start'));
    expect(events.indexOf('b1 end')).toBeLessThan(events.indexOf('a1 end'));
  });

  it('with join, calls while a piece waits to start share it; a failure does not stop the next piece', async () => {
    const order = new InOrder();
    let runs = 0;
    const failing = order.run('a', async () => {
      await later(20);
      throw new Error('no');
    });
    await later(1); // the failing piece has started: what comes next waits behind it
    const work = async () => {
      runs += 1;
    };
    const first = order.run('a', work, { join: true });
    const second = order.run('a', work, { join: true });
    expect(second).toBe(first);
    await expect(failing).rejects.toThrow('no');
    await first;
    expect(runs).toBe(1);
    // Started and done: the next call runs again.
    await order.run('a', work, { join: true });
    expect(runs).toBe(2);
  });
});
