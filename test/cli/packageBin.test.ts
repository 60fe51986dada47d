import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

describe("the package's command", () => {
  it('is executable after a build, as `npx acs-logs` in a clone runs the file itself', () => {
    const { bin, version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
    const file = path.join(ROOT, bin['acs-logs']!);
    // tsc writes it without the execute bit: "Permission denied" on a fresh clone before the build made it executable.
    expect(execFileSync(file, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });
});
