import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';
import { REPO_ROOT, armTemplate, entryTemplateNames, readRepoFile } from './support/arm.js';
import { blobTriggerFunctionPrefix, containerSettingOf } from './support/code.js';

const SCRIPT = 'scripts/post-deploy.sh';

describe('scripts/post-deploy.sh', () => {
  const script = readRepoFile(SCRIPT);

  it('is valid POSIX sh and executable, as is the output reader it uses', () => {
    for (const file of [SCRIPT, OUTPUT_SCRIPT]) {
      expect(() => execFileSync('sh', ['-n', join(REPO_ROOT, file)]), file).not.toThrow();
      expect(() => accessSync(join(REPO_ROOT, file), constants.X_OK), file).not.toThrow();
      expect(readRepoFile(file).startsWith('#!/bin/sh\n'), file).toBe(true);
    }
  });

  it("reads the deployment's outputs whatever the case Resource Manager gives their names back in", () => {
    const run = runWithFakeAz({ failingCreates: 0 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toContain('functionapp show --resource-group rg --name app-from-outputs --query defaultHostName --output tsv');
    const creates = run.calls.filter((call) => call.startsWith('eventgrid system-topic event-subscription create'));
    expect(creates.length).toBe(CATEGORIES.length);
    for (const create of creates)
      expect(create).toContain('--subscription sub-from-outputs --resource-group rg-from-outputs --system-topic-name topic-from-outputs ');
  });

  it('subscribes every blob-triggered function with the container setting the code reads for it', () => {
    const subscribed = Object.fromEntries([...script.matchAll(/^subscribe (\w+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(subscribed).toEqual(containerSettingOf());
    expect(Object.keys(subscribed).sort()).toEqual([...CATEGORIES].sort());
    expect(script).toContain(`function_name="${blobTriggerFunctionPrefix()}$category"`);
  });

  it('builds the same webhook and filter as infra/subscriptions.bicep', () => {
    expect(script).toContain('systemKeys.blobs_extension');
    expect(script).toContain('/runtime/webhooks/blobs?functionName=Host.Functions.$function_name&code=$KEY');
    expect(script).toContain('--included-event-types Microsoft.Storage.BlobCreated');
    expect(script).toContain('"/blobServices/default/containers/$container/blobs/"');
  });

  it('reads only outputs the compiled main.bicep has', () => {
    const outputs = new Set(Object.keys(armTemplate('main').outputs ?? {}));
    const used = [...script.matchAll(/\$\(output (\w+)\)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !outputs.has(name))).toEqual([]);
  });

  it('tries a subscription again when its create fails (a host that has just started), and stops with a hint after the last try', () => {
    const run = runWithFakeAz({ failingCreates: 2 });
    expect(run.status, run.stderr).toBe(0);
    const creates = run.calls.filter((call) => call.startsWith('eventgrid system-topic event-subscription create'));
    // The first subscription failed twice, then every one was created once.
    expect(creates.length).toBe(CATEGORIES.length + 2);
    expect(run.stderr).toContain('logblobarrived-roomsoperational: not created');
    expect(run.stderr).toContain('try 3 of 5');
    expect(run.stdout).toContain('Event Grid subscriptions are in place.');
    expect(`${run.stdout}${run.stderr}`).not.toContain(FAKE_KEY);

    const stuck = runWithFakeAz({ failingCreates: 100 });
    expect(stuck.status).toBe(1);
    expect(stuck.calls.filter((call) => call.startsWith('eventgrid system-topic event-subscription create')).length).toBe(5);
    expect(stuck.stderr).toContain('could not be created after 5 tries');
    expect(stuck.stderr).toContain('run the script again');
  });

  it('never prints the key', () => {
    expect(script).not.toMatch(/echo[^\n]*\$KEY/);
    expect(script).not.toMatch(/set -[a-z]*x/);
  });
});

const FAKE_KEY = 'fake-blobs-extension-key';

const OUTPUT_SCRIPT = 'scripts/deployment-output.sh';

/** The outputs post-deploy.sh reads, under names cased as Resource Manager may give them back (it does not keep their case), and their values. */
const ARM_OUTPUTS: [name: string, value: string][] = [
  ['functioN_APP_NAME', 'app-from-outputs'],
  ['lOGS_STORAGE_RESOURCE_GROUP', 'rg-from-outputs'],
  ['lOGS_STORAGE_SUBSCRIPTION_ID', 'sub-from-outputs'],
  ['lOGS_SYSTEM_TOPIC_NAME', 'topic-from-outputs'],
];

/** Runs a script (post-deploy.sh with `-g rg`) with `az` and `curl` stand-ins on PATH: the first `failingCreates` subscription creates fail. */
function runWithFakeAz(
  options: { failingCreates: number },
  script = SCRIPT,
  args = ['-g', 'rg'],
): { status: number | null; stdout: string; stderr: string; calls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'post-deploy-'));
  try {
    const log = join(dir, 'calls.log');
    const failures = join(dir, 'failures');
    writeFileSync(failures, String(options.failingCreates));
    writeFileSync(
      join(dir, 'az'),
      [
        '#!/bin/sh',
        `echo "$*" >> '${log}'`,
        'case "$*" in',
        `  "deployment group show"*"--query keys(properties.outputs) "*) printf '%s\\n' ${ARM_OUTPUTS.map(([name]) => name).join(' ')} ;;`,
        ...ARM_OUTPUTS.map(([name, value]) => `  *'--query properties.outputs."${name}".value '*) echo "${value}" ;;`),
        // A key in another case: az finds nothing and prints nothing.
        '  "deployment group show"*) ;;',
        '  "functionapp show"*) echo "app.example.net" ;;',
        `  "functionapp keys list"*) echo "${FAKE_KEY}" ;;`,
        '  "functionapp config appsettings list"*) echo "insights-logs-x" ;;',
        '  "eventgrid system-topic event-subscription create"*)',
        `    left=$(cat '${failures}')`,
        `    if [ "$left" -gt 0 ]; then echo $((left - 1)) > '${failures}'; echo "ERROR: webhook validation handshake failed" >&2; exit 1; fi ;;`,
        '  *) echo "unexpected az $*" >&2; exit 3 ;;',
        'esac',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(dir, 'curl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const run = spawnSync('sh', [join(REPO_ROOT, script), ...args], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env['PATH'] ?? ''}`, POST_DEPLOY_RETRY_SECONDS: '0' },
    });
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('scripts/deployment-output.sh', () => {
  it('prints an output found by its name in any case, and names an output the deployment lacks', () => {
    const found = runWithFakeAz({ failingCreates: 0 }, OUTPUT_SCRIPT, ['rg', 'main', 'LOGS_SYSTEM_TOPIC_NAME']);
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toBe('topic-from-outputs\n');
    const missing = runWithFakeAz({ failingCreates: 0 }, OUTPUT_SCRIPT, ['rg', 'main', 'NO_SUCH_OUTPUT']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('deployment main in rg has no output NO_SUCH_OUTPUT');
  });
});

describe('azure.yaml', () => {
  const yaml = readRepoFile('azure.yaml');

  it('provisions infra/main.bicep and deploys the project as a function app', () => {
    expect(yaml).toMatch(/^infra:\n {2}provider: bicep\n {2}path: infra\n {2}module: main$/m);
    expect(yaml).toMatch(/^ {4}host: function$/m);
    expect(yaml).toMatch(/^ {4}project: \.$/m);
  });

  it('builds locally (the package has no sources to build remotely) and ships runtime dependencies only', () => {
    expect(yaml).toMatch(/^ {4}remoteBuild: false$/m);
    expect(yaml).toMatch(/prepackage:[\s\S]*run: npm ci [^\n]*&& npm run build && npm prune --omit=dev --omit=optional\n/);
    expect(JSON.parse(readRepoFile('package.json')).main).toBe('dist/src/functions/*.js');
  });

  it("keeps the build when the compiler has been pruned (azd's package step builds again after the prepackage hook)", () => {
    expect(JSON.parse(readRepoFile('package.json')).scripts.build).toBe('node scripts/build.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'pruned-'));
    try {
      // A project after `npm prune --omit=dev`: no TypeScript to resolve.
      mkdirSync(join(dir, 'scripts'));
      writeFileSync(join(dir, 'scripts/build.mjs'), readRepoFile('scripts/build.mjs'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const build = () => spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, encoding: 'utf8' });
      const unbuilt = build();
      expect(unbuilt.status).toBe(1);
      expect(unbuilt.stderr).toMatch(/not installed and dist\/ is not built: run npm ci/);
      for (const file of ['dist/src/functions/health.js', 'dist/src/cli/main.js', 'dist/dashboard/index.html']) {
        mkdirSync(join(dir, file, '..'), { recursive: true });
        writeFileSync(join(dir, file), '');
      }
      const built = build();
      expect(built.status).toBe(0);
      expect(built.stdout).toMatch(/dist\/ is kept as built/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the post-deploy script after deploy, for the service the function app is tagged with', () => {
    expect(yaml).toMatch(/^hooks:\n {2}postdeploy:[\s\S]*run: \.\/scripts\/post-deploy\.sh/m);
    const service = /^services:\n {2}([a-z-]+):$/m.exec(yaml)?.[1];
    expect(readRepoFile('infra/app/function-app.bicep')).toContain(`'azd-service-name': '${service}'`);
  });
});

/** The source files the Functions app loads (src/functions/*.ts and what they import), and the packages they import. */
function functionsImportGraph(): { files: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = readdirSync(join(REPO_ROOT, 'src/functions'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `src/functions/${name}`);
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    const source = readRepoFile(file);
    // Static imports and re-exports, side-effect imports, dynamic imports and requires.
    const imports =
      /^\s*(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s*'([^']+)'|^\s*import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|\brequire\(\s*'([^']+)'\s*\)/gm;
    for (const match of source.matchAll(imports)) {
      const specifier = (match[1] ?? match[2] ?? match[3] ?? match[4])!;
      if (specifier.startsWith('.')) pending.push(normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts'));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      }
    }
  }
  return { files: [...files], packages };
}

describe('what the Functions app loads (step 2 ships the runtime dependencies only)', () => {
  const manifest = JSON.parse(readRepoFile('package.json')) as Record<string, Record<string, string> | undefined>;
  const graph = functionsImportGraph();

  it('imports only packages in dependencies: npm prune --omit=dev --omit=optional removes the others from the package', () => {
    expect(graph.files.length).toBeGreaterThan(50);
    expect([...graph.packages].filter((name) => !(name in (manifest['dependencies'] ?? {})))).toEqual([]);
    expect(graph.packages.has('@azure/functions')).toBe(true);
  });

  it('never reaches the embedded Azurite, which resolves the optional azurite package only when it starts', () => {
    expect(graph.files.filter((file) => /azurite/i.test(file))).toEqual([]);
    expect(Object.keys(manifest['optionalDependencies'] ?? {})).toContain('azurite');
  });
});

describe('.funcignore', () => {
  const patterns = readRepoFile('.funcignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const shipped = [
    'dist/src/functions/health.js',
    'dist/src/lib/processing/processFile.js',
    'dist/dashboard/index.html',
    'package.json',
    'host.json',
    // Packages' own folders of these names hold their code.
    'node_modules/some-package/src/index.js',
    'node_modules/some-package/test/index.js',
    'node_modules/some-package/lib/docs/index.js',
  ];
  const left = [
    'src/functions/health.ts',
    'test/cli/serve.test.ts',
    'tsconfig.json',
    'tsconfig.build.json',
    'docs/DEPLOY.md',
    'infra/main.bicep',
    'bench/run.ts',
  ];
  const leftToo = [
    'dist/test/cli/serve.test.js',
    'dist/bench/run.js',
    'local.settings.json',
    'README.md',
    '.tools/bicep',
    'scripts/post-deploy.sh',
    'samples/x.json',
    // The dashboard's browser tests leave their screenshots here.
    'test-artifacts/dashboard.png',
    '.scratch/notes.txt',
    // Azurite started in the project root without --location keeps its data here.
    '__blobstorage__/0a1b2c',
    '__queuestorage__/0a1b2c',
    '__azurite_db_table__.json',
  ];

  it('as Core Tools reads it (every pattern from the project root, `*` one or more characters): ships the build, not the sources', () => {
    // Core Tools' parser, as its source describes it: a leading slash dropped, each pattern matched at the start of the path.
    const regex = (pattern: string): RegExp => {
      const text = (pattern.startsWith('/') ? pattern.slice(1) : pattern)
        .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
        .replace(/\*\*/g, '(.+)')
        .replace(/\*/g, '([^\\/]+)');
      return new RegExp(`^(${text})\\b`);
    };
    const matchers = patterns.filter((p) => !p.startsWith('!')).map(regex);
    const denied = (path: string): boolean => matchers.some((m) => m.test(path));
    expect(shipped.filter(denied)).toEqual([]);
    expect([...left, ...leftToo].filter((path) => !denied(path))).toEqual([]);
  });

  it('as azd reads it (a .gitignore: a pattern without a slash matches at any depth): the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'funcignore-'));
    try {
      execFileSync('git', ['init', '-q'], { cwd: dir });
      writeFileSync(join(dir, '.gitignore'), patterns.join('\n') + '\n');
      const paths = [...shipped, ...left, ...leftToo];
      const answer = spawnSync('git', ['check-ignore', '--no-index', '--stdin', '-v', '--non-matching'], {
        cwd: dir,
        input: paths.join('\n') + '\n',
        encoding: 'utf8',
      });
      const denied = new Set(
        answer.stdout
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('::'))
          .map((line) => line.split('\t')[1]),
      );
      expect(shipped.filter((path) => denied.has(path))).toEqual([]);
      expect([...left, ...leftToo].filter((path) => !denied.has(path))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/DEPLOY.md', () => {
  const doc = readRepoFile('docs/DEPLOY.md');

  it('documents every parameter of every entry template', () => {
    for (const name of entryTemplateNames()) {
      const parameters = Object.keys(armTemplate(name as 'main' | 'subscriptions').parameters);
      expect(
        parameters.filter((p) => !doc.includes(`\`${p}\``)),
        name,
      ).toEqual([]);
    }
  });

  it("verifies the subscriptions on the logs account's system topic, in the subscription and resource group the deployment names", () => {
    const list = /az eventgrid system-topic event-subscription list((?:[^\n]*\\\n)*[^\n]*)/.exec(doc)?.[1] ?? '';
    for (const [option, output] of [
      ['--subscription', 'LOGS_STORAGE_SUBSCRIPTION_ID'],
      ['--resource-group', 'LOGS_STORAGE_RESOURCE_GROUP'],
      ['--system-topic-name', 'LOGS_SYSTEM_TOPIC_NAME'],
    ]) {
      expect(list, option).toContain(`${option} $(scripts/deployment-output.sh $RG main ${output})`);
    }
  });

  it('reads a single output only through scripts/deployment-output.sh (Resource Manager does not keep the case of output names)', () => {
    expect(doc).not.toMatch(/properties\.outputs\.\w/);
    expect(doc).toContain('APP=$(scripts/deployment-output.sh $RG main FUNCTION_APP_NAME)');
  });

  it('covers the check, deploy, publish, the subscriptions step, azd, the ACS diagnostic setting and verification', () => {
    for (const text of [
      'npm run check:infra',
      'az deployment group create',
      'npm ci && npm run build',
      'func azure functionapp publish',
      // func takes the worker runtime from local.settings.json, which a fresh clone lacks.
      'cp local.settings.sample.json local.settings.json',
      'StorageV2',
      'infra/subscriptions.bicep',
      'scripts/post-deploy.sh',
      'azd up',
      'Diagnostic settings',
      'acsResourceName',
      'x-functions-key: $KEY',
      'az storage table list',
    ]) {
      expect(doc, text).toContain(text);
    }
    for (const category of CATEGORIES) expect(doc, category).toContain(category);
  });
});
