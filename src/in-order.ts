/**
 * Work per key, one piece at a time, in the order asked for: a piece that started earlier always ends before a later
 * one starts, so what it publishes can never land after the later one's. With `join`, a call made while the key's
 * last piece has not started yet gets that piece instead of queueing another (for work that reads the state as it is
 * when it starts, so the waiting piece already covers the call).
 */
export class InOrder {
  private readonly queues = new Map<string, { tail: Promise<void>; waiting: Promise<void> | undefined }>();

  run(key: string, work: () => Promise<void>, options: { join?: boolean } = {}): Promise<void> {
    const queue = this.queues.get(key) ?? { tail: Promise.resolve(), waiting: undefined };
    if (options.join && queue.waiting) return queue.waiting;
    const piece: Promise<void> = queue.tail
      .catch(() => {})
      .then(() => {
        if (queue.waiting === piece) queue.waiting = undefined;
        return work();
      });
    queue.waiting = piece;
    queue.tail = piece;
    this.queues.set(key, queue);
    const forget = () => {
      if (queue.tail === piece) this.queues.delete(key);
    };
    piece.then(forget, forget);
    return piece;
  }
}
