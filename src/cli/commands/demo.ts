import path from 'node:path';
import { packageRoot } from '../packageRoot.js';
import { processCommand } from './process.js';
import { queryCommand } from './query.js';

export interface DemoFlags {
  dataDir: string;
}

/** `acs-logs demo`: processes the bundled sample logs on the embedded storage and prints the aggregates. */
export async function demoCommand(flags: DemoFlags, out: NodeJS.WritableStream): Promise<void> {
  const samples = path.join(packageRoot(), 'samples');
  out.write(`Processing the bundled sample logs in ${path.relative(process.cwd(), samples) || samples} (storage: embedded Azurite in ${flags.dataDir})\n`);
  await processCommand([samples], { dataDir: flags.dataDir, quiet: true }, out);
  out.write('\nRooms operations per day\n');
  await queryCommand('rooms-operations', { dataDir: flags.dataDir, granularity: 'day', format: 'table' }, out);
  out.write('\nRooms\n');
  await queryCommand('rooms', { dataDir: flags.dataDir, granularity: 'day', format: 'table' }, out);
  out.write(
    '\nProcessing the same files again changes nothing. Query further:\n' +
      `  npm run acs-logs -- query rooms-operations --granularity hour --format json\n` +
      `  npm run acs-logs -- query rooms --from 2024-05-25 --format csv\n` +
      `  npm run acs-logs -- process <your PT1H.json files or folders>\n`,
  );
}
