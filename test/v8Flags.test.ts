import { describe, expect, it } from 'vitest';
import { COMPILER_FLAGS, compilerFlagsToSet } from '../src/lib/v8Flags.js';

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
    const flags = compilerFlagsToSet(execArgv);
    expect(flags.some((flag) => flag.startsWith(`${kept}=`))).toBe(false);
    expect(flags).toHaveLength(COMPILER_FLAGS.length - 1);
  });

  it('does not take a longer flag for one of its own', () => {
    expect(compilerFlagsToSet(['--max-inlined-bytecode-size=460'])).toEqual([...COMPILER_FLAGS]);
  });
});
