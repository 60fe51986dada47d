import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMPILER_FLAGS, compilerFlagsFor, compilerFlagsToSet } from '../src/lib/v8Flags.js';

describe('compilerFlagsToSet', () => {
  it('sets every compiler flag when Node was started without them', () => {
    expect(compilerFlagsToSet([])).toEqual([...COMPILER_FLAGS]);
    expect(compilerFlagsToSet(['--max-old-space-size=512', '--inspect'])).toEqual([...COMPILER_FLAGS]);
  });

  it.each([
    [['--interrupt-budget=1000'], '--interrupt-budget'],
    [['--interrupt_budget=1000'], '--interrupt-budget'],
    [['--interrupt-budget', '1000'], '--interrupt-budget'],
    [['--max-inlined-bytecode-size-cumulative=920'], '--max-inlined-bytecode-size-cumulative'],
    [['--max_inlined_bytecode_size_cumulative=920'], '--max-inlined-bytecode-size-cumulative'],
  ])('keeps a flag Node was started with: %j', (execArgv, kept) => {
    const ours = COMPILER_FLAGS.some((flag) => flag.startsWith(`${kept}=`));
    const flags = compilerFlagsToSet(execArgv);
    expect(flags.some((flag) => flag.startsWith(`${kept}=`))).toBe(false);
    expect(flags).toHaveLength(COMPILER_FLAGS.length - (ours ? 1 : 0));
  });

  it('does not take a longer flag for one of its own', () => {
    expect(compilerFlagsToSet(['--max-inlined-bytecode-size=460'])).toEqual([...COMPILER_FLAGS]);
  });
});

describe('compilerFlagsFor', () => {
  it('gives each V8 only flags it has: V8 12 and 13 (Node 22, 24) have no --interrupt-budget, a later V8 gets none', () => {
    expect(compilerFlagsFor('11.3.244.8-node.38')).toEqual(['--max-inlined-bytecode-size-cumulative=230', '--interrupt-budget=264000']);
    expect(compilerFlagsFor('12.4.254.21-node.57')).toEqual(['--max-inlined-bytecode-size-cumulative=230']);
    expect(compilerFlagsFor('13.6.233.17-node.63')).toEqual(['--max-inlined-bytecode-size-cumulative=230']);
    expect(compilerFlagsFor('14.0.1')).toEqual([]);
    expect(compilerFlagsFor('')).toEqual([]);
  });

  it('gives the running V8 flags it lists (an unknown one would stop the Azurite it is given to)', () => {
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    for (const flag of COMPILER_FLAGS) expect(known).toContain(`  ${flag.split('=')[0] as string} (`);
  });
});
