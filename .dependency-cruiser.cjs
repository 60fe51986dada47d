// The layer rules of docs/ARCHITECTURE.md, checked by `npm run lint` (scripts/lint-layers.mjs, over src).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'azure-sdk-only-in-storage',
      comment: 'Only src/lib/storage talks to Azure; src/functions may register with @azure/functions.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/lib/storage/' },
      to: { path: '(^|/)node_modules/@azure/(data-tables|storage-blob|identity)/' },
    },
    {
      name: 'azure-functions-only-in-functions',
      comment: 'The Functions host is an adapter: the pipeline and the CLI run without it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/functions/' },
      to: { path: '(^|/)node_modules/@azure/functions/' },
    },
    {
      name: 'lib-not-on-entry-points',
      comment: 'src/lib is used by the CLI and the Functions app, never the other way round.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/(cli|functions)/' },
    },
    {
      name: 'no-cycles-between-lib-folders',
      comment: 'The folders of src/lib form layers; a cycle between two of them makes them one.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/lib/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    exclude: { path: '^src/dashboard/' },
  },
};
