import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectContainer, timerSeconds } from '../../src/cli/flags.js';
import { MAX_TIMER_SECONDS } from '../../src/lib/timerLimit.js';
import { containersFrom } from '../../src/cli/containers.js';
import { readAppSettings } from '../../src/lib/config/appSettings.js';

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

describe('the containers of the settings', () => {
  it('list a container two settings name once: it would be swept twice', () => {
    const containers = containersFrom(undefined, readAppSettings({ ACS_LOGS_CONTAINER_USAGE: 'insights-logs-roomsoperational' }));
    expect(containers).toHaveLength(7);
    expect(new Set(containers).size).toBe(7);
    expect(containersFrom(['a-logs', 'a-logs'])).toEqual(['a-logs']);
  });
});

describe('watch --interval and --duration', () => {
  it('take seconds up to the longest a timer waits', () => {
    expect(timerSeconds('5')).toBe(5);
    expect(timerSeconds(String(MAX_TIMER_SECONDS))).toBe(2_147_483);
  });

  it.each(['2147484', '3000000', '0', '1e3'])('refuse %s: a longer timer fires at once, so watch would loop without pause or stop at its start', (value) => {
    expect(() => timerSeconds(value)).toThrow(InvalidArgumentError);
  });
});
