import { describe, expect, it } from 'vitest';
import { answerToMention, mentionsUser } from '../../src/domain/mentions.js';

const INTAKE = new Set(['C0INTAKE']);
const top = (channel: string) => ({ channel, ts: '100.1' });
const inThread = (channel: string) => ({ channel, ts: '100.2', threadTs: '100.1' });

describe('answerToMention', () => {
  it('answers help, a bare mention and escalate as commands, in any channel', () => {
    for (const place of [top('C0INTAKE'), top('C0SUPPORT'), inThread('C0INTAKE')]) {
      expect(answerToMention('<@U0BOT> help', place, INTAKE)).toEqual({ kind: 'help' });
      expect(answerToMention('<@U0BOT>', place, INTAKE)).toEqual({ kind: 'help' });
      expect(answerToMention('<@U0BOT> Escalate: card declined twice', place, INTAKE)).toEqual({
        kind: 'escalate',
        text: 'card declined twice',
      });
    }
  });

  it('leaves other text at the top of an intake channel to the intake', () => {
    expect(answerToMention('<@U0BOT> customer was charged twice', top('C0INTAKE'), INTAKE)).toEqual({
      kind: 'intake',
    });
    expect(answerToMention('charged twice, cc <@U0BOT|frontline>', top('C0INTAKE'), INTAKE)).toEqual({
      kind: 'intake',
    });
  });

  it('reads a command only right after the mention: a case that starts with "Help!" is a case', () => {
    expect(
      answerToMention('Help! Acme was charged twice for the renewal, cc <@U0BOT>', top('C0INTAKE'), INTAKE),
    ).toEqual({ kind: 'intake' });
    expect(answerToMention('Escalate this please: <@U0BOT> acme', top('C0INTAKE'), INTAKE)).toEqual({
      kind: 'intake',
    });
    // Named in passing outside an intake post: no answer at all.
    expect(answerToMention('thanks <@U0BOT>!', inThread('C0SUPPORT'), INTAKE)).toEqual({ kind: 'none' });
    expect(answerToMention('help, <@U0BOT> is down?', top('C0SUPPORT'), INTAKE)).toEqual({ kind: 'none' });
    // A backtick in the word cannot break the note's formatting.
    expect(answerToMention('<@U0BOT> what`s up', top('C0SUPPORT'), INTAKE)).toEqual({
      kind: 'unknown',
      word: 'whats',
    });
  });

  it('names the unknown word anywhere else', () => {
    expect(answerToMention('<@U0BOT> status please', top('C0SUPPORT'), INTAKE)).toEqual({
      kind: 'unknown',
      word: 'status',
    });
    expect(answerToMention('<@U0BOT> status', inThread('C0INTAKE'), INTAKE)).toEqual({
      kind: 'unknown',
      word: 'status',
    });
    // "helpful" is not "help".
    expect(answerToMention('<@U0BOT> helpful', top('C0SUPPORT'), INTAKE)).toEqual({
      kind: 'unknown',
      word: 'helpful',
    });
  });
});

describe('mentionsUser', () => {
  it('finds the user in both ways Slack writes a mention, and only that user', () => {
    expect(mentionsUser('<@U0BOT> help', 'U0BOT')).toBe(true);
    expect(mentionsUser('hi <@U0BOT|frontline>', 'U0BOT')).toBe(true);
    expect(mentionsUser('hi <@U0BOTX> and <@U0OTHER>', 'U0BOT')).toBe(false);
  });
});
