import { describe, expect, it } from 'vitest';
import { parseIncidentCommand } from '../../src/handlers/incident.js';

describe('parseIncidentCommand', () => {
  it('reads each verb with its own prefix or a bare number', () => {
    expect(parseIncidentCommand('classify PRB-12')).toEqual({ verb: 'classify', id: 12 });
    expect(parseIncidentCommand('Classify prb-12')).toEqual({ verb: 'classify', id: 12 });
    expect(parseIncidentCommand('classify 12')).toEqual({ verb: 'classify', id: 12 });
    expect(parseIncidentCommand(' update inc-3 ')).toEqual({ verb: 'update', id: 3 });
    expect(parseIncidentCommand('update 3')).toEqual({ verb: 'update', id: 3 });
  });

  it('never reads a reference of another kind as a number of its own', () => {
    expect(parseIncidentCommand('update PRB-7')).toEqual({ verb: 'update', wrongReference: 'PRB-7' });
    expect(parseIncidentCommand('classify INC-2')).toEqual({ verb: 'classify', wrongReference: 'INC-2' });
    expect(parseIncidentCommand('classify esc-04')).toEqual({ verb: 'classify', wrongReference: 'ESC-4' });
  });

  it('answers nothing for text it cannot read', () => {
    expect(parseIncidentCommand('close 7')).toBeUndefined();
    expect(parseIncidentCommand('classify')).toBeUndefined();
    expect(parseIncidentCommand('update INC-')).toBeUndefined();
  });
});
