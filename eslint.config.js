// ESLint over src/, test/, bench/ and scripts/: type-aware by default (`npm run lint:types`, run by `npm test`),
// and without the rules that need types when ACSLOGS_LINT_TYPES=0 (`npm run lint`).
//
// Choices:
// - typescript-eslint's recommendedTypeChecked is the base. Of it, these are off because they
//   flag what the code means to do (counts are the findings they had when chosen):
//   `require-await` (20: async functions and generators with nothing to await implement async
//   signatures, mostly in tests and benchmarks); `no-base-to-string` (21: String() of a stored or
//   parsed value already narrowed to non-null, which TypeScript types as `{}`, for an error
//   message or a cell; restrict-template-expressions still guards template literals); and
//   `no-unsafe-*` in test/ only (tests read parsed JSON and SDK entities as `any`; src keeps them).
// - Added on top: switch-exhaustiveness-check, where a `default` does not count as handling the
//   members of a union (a new category, code, mode or view that a switch forgets is an error, not
//   a silent default), and no-unnecessary-type-assertion (from recommendedTypeChecked) as an error.
// - `no-floating-promises` and `no-misused-promises` stay errors everywhere: a promise nobody
//   awaits loses its error.
// - Unused variables are the compiler's job (noUnusedLocals, noUnusedParameters), so ESLint's
//   copy of that rule is off.
// The layer rules of docs/ARCHITECTURE.md are checked by dependency-cruiser
// (.dependency-cruiser.cjs), which also sees folder-level cycles.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'samples/**', 'infra/**', 'test-artifacts/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // src/dashboard is browser code with its own compiler settings, linted in a process of its own
    // (scripts/lint.mjs); src, the tests and the benchmarks share tsconfig.json's program in another.
    files: ['src/dashboard/**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.dashboard.json'] } },
  },
  {
    // commander hands each action its parsed options as `any`; every command module declares its
    // flags type, and the CLI tests run every flag through the real parser.
    files: ['src/cli/program.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript and config files outside every tsconfig: syntax rules only.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'vitest.reliability.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  // `npm run lint`'s pass (ACSLOGS_LINT_TYPES=0, set by scripts/lint.mjs): every file, the rules that
  // need no types, in seconds; the type-aware rules run in `npm run lint:types`, which `npm test` runs.
  process.env.ACSLOGS_LINT_TYPES === '0'
    ? { files: ['**/*.ts'], extends: [tseslint.configs.disableTypeChecked], languageOptions: { parserOptions: { project: false } } }
    : {},
);
