#!/usr/bin/env node
// Compiles every entry template under infra/ with the Bicep CLI pinned in infra/tools/bicep.csproj
// (restored from NuGet on first use), then lints it. Any error or warning fails the run, with the
// compiler's own message.
//
//   node scripts/check-infra.mjs [--out <dir>]   (npm run check:infra)
//
// --out keeps the compiled ARM JSON (<dir>/<template>.json); the infra tests assert on it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROJECT = join(ROOT, 'infra/tools/bicep.csproj');
// Inside the repository and ignored by git, so a fresh clone restores once and nothing leaks into ~/.nuget.
const PACKAGES = join(ROOT, '.tools/nuget');
const DOTNET_ENV = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };

/** Runtime identifier of the Bicep package for this machine (the pin is checked on linux-x64). */
function runtimeId() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const cpu = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!os || !cpu) throw new Error(`no Bicep CLI package for ${process.platform}-${process.arch}`);
  return `${os}-${cpu}`;
}

function pinnedVersion() {
  const match = /Include="Azure\.Bicep\.CommandLine\.\$\(BicepRuntime\)"\s+Version="\[([^\]]+)\]"/.exec(readFileSync(PROJECT, 'utf8'));
  if (!match) throw new Error(`${relative(ROOT, PROJECT)}: no pinned Azure.Bicep.CommandLine PackageDownload`);
  return match[1];
}

/** Path of the pinned Bicep binary, restoring the package first when it is not there yet. */
export function bicepPath() {
  const rid = runtimeId();
  const binary = join(PACKAGES, `azure.bicep.commandline.${rid}`, pinnedVersion(), 'tools', rid.startsWith('win') ? 'bicep.exe' : 'bicep');
  if (!existsSync(binary)) {
    const restore = spawnSync('dotnet', ['restore', PROJECT, '--packages', PACKAGES, `-p:BicepRuntime=${rid}`], { env: DOTNET_ENV, encoding: 'utf8' });
    if (restore.error) throw new Error(`cannot run dotnet (the .NET SDK is needed to restore the Bicep CLI): ${restore.error.message}`);
    if (restore.status !== 0) throw new Error(`dotnet restore ${relative(ROOT, PROJECT)} failed:\n${restore.stdout}${restore.stderr}`);
    if (!existsSync(binary)) throw new Error(`dotnet restore succeeded but ${relative(ROOT, binary)} is missing`);
  }
  // NuGet does not keep the executable bit.
  if (!rid.startsWith('win')) chmodSync(binary, 0o755);
  return binary;
}

/** Deployable templates: the .bicep files directly in infra/ (modules live in its subfolders). */
export function entryTemplates() {
  return readdirSync(join(ROOT, 'infra'))
    .filter((name) => name.endsWith('.bicep'))
    .sort()
    .map((name) => join(ROOT, 'infra', name));
}

/** Runs one Bicep command; returns its diagnostics, or throws when the CLI itself fails to run. */
function runBicep(bicep, args) {
  const run = spawnSync(bicep, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, BICEP_TRACING_ENABLED: 'false' } });
  if (run.error) throw new Error(`cannot run ${bicep}: ${run.error.message}`);
  const output = `${run.stdout}${run.stderr}`.trim();
  // Diagnostics look like "<file>(line,col) : Warning <code>: <message>"; a warning fails like an error.
  const diagnostics = output.split('\n').filter((line) => /\) : (Error|Warning|Info) /.test(line));
  const failed = run.status !== 0 || diagnostics.some((line) => !/\) : Info /.test(line));
  return { failed, output };
}

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const keep = outIndex >= 0 ? resolve(args[outIndex + 1] ?? '') : undefined;
  if (outIndex >= 0 && !args[outIndex + 1]) throw new Error('--out needs a directory');
  const outDir = keep ?? mkdtempSync(join(tmpdir(), 'acs-logs-arm-'));
  mkdirSync(outDir, { recursive: true });

  const bicep = bicepPath();
  const version = execFileSync(bicep, ['--version'], { encoding: 'utf8' }).trim();
  let failures = 0;
  try {
    for (const template of entryTemplates()) {
      const name = relative(ROOT, template);
      const outfile = join(outDir, `${basename(template, '.bicep')}.json`);
      for (const [step, stepArgs] of [
        ['build', ['build', template, '--outfile', outfile]],
        ['lint', ['lint', template]],
      ]) {
        const { failed, output } = runBicep(bicep, stepArgs);
        if (failed) {
          failures += 1;
          process.stderr.write(`bicep ${step} ${name}: FAILED (warnings count as errors)\n${output}\n`);
        } else {
          process.stdout.write(`bicep ${step} ${name}: ok\n`);
        }
      }
    }
  } finally {
    if (!keep) rmSync(outDir, { recursive: true, force: true });
  }
  process.stdout.write(`${version}\n`);
  if (failures > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`check:infra: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
