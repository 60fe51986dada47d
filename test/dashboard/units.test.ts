import { describe, expect, it } from 'vitest';
import { unitOf } from '../../src/dashboard/units.js';

describe('usage units as the dashboard charts them', () => {
  it('takes every spelling of a unit as one, named in the plural once', () => {
    for (const spelling of ['Minute', 'minutes', 'MINUTES', ' minute ']) expect(unitOf(spelling)).toEqual({ key: 'minute', plural: 'minutes' });
    expect(unitOf('Megabyte')).toEqual(unitOf('megabytes'));
    expect(unitOf('megabytes').plural).toBe('megabytes');
  });

  it('leaves a unit that is not a word as written, lower case', () => {
    expect(unitOf('ms')).toEqual({ key: 'ms', plural: 'ms' });
    expect(unitOf('<u>kB</u>')).toEqual({ key: '<u>kb</u>', plural: '<u>kb</u>' });
    expect(unitOf('Unit00')).toEqual({ key: 'unit00', plural: 'unit00' });
    expect(unitOf('')).toEqual({ key: '', plural: '' });
  });
});
