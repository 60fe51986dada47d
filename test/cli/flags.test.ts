import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectContainer } from '../../src/cli/flags.js';

describe('--container', () => {
  it('counts a container given twice once: its files would be listed, counted and read twice', () => {
    let containers: string[] | undefined;
    for (const name of ['insights-logs-usage', 'logs-b', 'insights-logs-usage']) containers = collectContainer(name, containers);
    expect(containers).toEqual(['insights-logs-usage', 'logs-b']);
  });

  it.each(['Insights-Logs-Usage', 'a', 'logs--b', '-logs', 'logs/b'])('refuses %s, which no container can be named', (name) => {
    expect(() => collectContainer(name, undefined)).toThrow(InvalidArgumentError);
  });
});
