import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The work's answer when it comes within `ms`, else undefined while the work goes on (Slack waits 3 s for an answer;
 * what takes longer is answered some other way). A failure within the time is thrown.
 */
export async function answerWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  const timer = new AbortController();
  try {
    return await Promise.race([work, sleep(Math.max(0, ms), undefined, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}
