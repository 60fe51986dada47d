import { describe, expect, it } from 'vitest';
import { ProcessProgress } from '../../src/cli/processProgress.js';

describe('the progress of a process run', () => {
  it('counts each file up to the furthest byte read, a finished file whole, and never past its size', () => {
    const progress = new ProcessProgress(
      new Map([
        ['/a', 3_000_000],
        ['/b', 1_000_000],
      ]),
      0,
    );
    expect(progress.text(0, 0)).toContain('  0% ');
    progress.read('/a', 1_000_000);
    progress.read('/a', 500_000); // an identity check behind the furthest read
    progress.read('/elsewhere', 9_000_000); // a copy compared with, not a file given
    expect(progress.text(65_000, 0)).toBe(`process  25% ${'█'.repeat(6)}${'░'.repeat(18)} 1:05 · 1.0/4.0 MB read · 0/2 files · 0 rows written`);
    progress.read('/a', 7_000_000);
    progress.done('/b');
    progress.done('/elsewhere', '/b');
    expect(progress.text(3_725_000, 12_345)).toBe(`process 100% ${'█'.repeat(24)} 1:02:05 · 4.0/4.0 MB read · 1/2 files · 12,345 rows written`);
  });

  it('counts every copy of one file done when it is: two downloads of a blob are one file', () => {
    const progress = new ProcessProgress(
      new Map([
        ['/tree/x/PT1H.json', 1_000_000],
        ['/copy/x/PT1H.json', 1_000_000],
        ['/tree/y/PT1H.json', 1_000_000],
      ]),
      0,
      (path) => path.replace(/^\/(tree|copy)/, ''),
    );
    progress.done('/x/PT1H.json');
    expect(progress.text(0, 0)).toContain('2.0/3.0 MB read · 2/3 files');
    // A copy read under the name it was first read by: its own path is done too.
    progress.done('/first/name.json', '/tree/y/PT1H.json');
    expect(progress.text(0, 0)).toContain('3.0/3.0 MB read · 3/3 files');
  });

  it('counts files with nothing new as done', () => {
    const progress = new ProcessProgress(new Map([['/a', 2_000_000]]), 0);
    progress.done('/a');
    expect(progress.text(0, 0)).toContain('100%');
    expect(progress.text(0, 0)).toContain('1/1 files');
  });
});
