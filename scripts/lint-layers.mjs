// `npm run lint:layers`: the layer rules of .dependency-cruiser.cjs over src, through dependency-cruiser's
// API in this process. Its command line refuses to start on Node versions it does not list (21, 23,
// 20 before 20.12: `engines` here says >=20) and says so only on stderr; run this way the rules are
// checked on every Node the project runs on, and the verdict is a line on stdout whatever the ending.
import path from 'node:path';
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const started = Date.now();
try {
  const ruleSet = await extractDepcruiseConfig(path.join(root, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(path.join(root, ruleSet.options.tsConfig.fileName));
  const result = await cruise(['src'], { ...ruleSet.options, ruleSet, validate: true }, {}, { tsConfig });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const { summary } = result.output;
  if (summary.error > 0) {
    // The `err` report of the violations, as the command line prints it.
    const { output } = await format(result.output, { outputType: 'err' });
    process.stdout.write(output);
    console.log(`layers: ${summary.error} violation(s) of the rules in .dependency-cruiser.cjs (${seconds} s)`);
    process.exitCode = 1;
  } else {
    console.log(`layers: no violations (${summary.totalCruised} modules, ${summary.totalDependenciesCruised} dependencies, ${seconds} s)`);
  }
} catch (error) {
  console.log(`layers: could not check the rules: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
