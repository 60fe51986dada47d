import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

describe('generate --out stopped part way', () => {
  it('says which folder holds part of the logs and that --force writes them whole, and --force then does', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'acs-generate-cut-'));
    try {
      // A file where the Usage container's folder goes: the run stops at the first Usage record, the
      // Rooms files before it written.
      await writeFile(path.join(out, 'insights-logs-usage'), 'in the way');
      const args = ['generate', '--out', out, '--hours', '2', '--rooms-per-hour', '20', '--calls-per-hour', '5'];
      const cut = await cli(args);
      expect(cut.code).toBe(1);
      const said = `acs-logs: writing the logs under ${out} stopped, leaving part of them there (once fixed, run again with --force): `;
      expect(cut.stderr.slice(0, said.length)).toBe(said);
      expect((await readdir(out)).sort()).toContain('insights-logs-roomsoperational');

      await rm(path.join(out, 'insights-logs-usage'));
      const whole = await cli([...args, '--force']);
      expect([whole.code, whole.stderr]).toEqual([0, '']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
