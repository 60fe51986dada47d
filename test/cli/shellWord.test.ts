import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../src/cli/shellWord.js';

describe('shellWord', () => {
  it('leaves a plain path as it is, and quotes one the shell would split or expand, so that sh reads it back whole', () => {
    expect(shellWord('./.acs-logs-demo')).toBe('./.acs-logs-demo');
    expect(shellWord('/tmp/données/demo')).toBe('/tmp/données/demo');
    expect(shellWord('/tmp/my logs')).toBe('"/tmp/my logs"');
    for (const path of ['/tmp/my logs ü', 'a&b', "it's here", 'cost $HOME', 'a"b', '~/demo', 'x;rm y', 'back\\slash', '*']) {
      expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellWord(path)}`], { encoding: 'utf8' }), path).toBe(path);
    }
  });
});
