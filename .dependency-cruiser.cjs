// The layer table of shared/DESIGN.md §6: imports only go downward. `npm run layers` checks it.
const layer = (name) => `^src/${name}/`;
const below = {
  base: [],
  api: ['base'],
  runtime: ['base', 'api'],
  apiserver: ['base', 'api'],
  node: ['base', 'api', 'runtime'],
  adapters: ['base', 'api'],
  // the built-in forge server (docs/adr/0002-built-in-forge.md): keeps its state as resources
  forge: ['base', 'api', 'runtime', 'adapters'],
  controllers: ['base', 'api', 'runtime', 'adapters'],
  // the CLI builds and fetches like the controllers do (`keelson diff`), and speaks to forges
  cli: ['base', 'api', 'runtime', 'adapters'],
};
const forbidden = Object.entries(below).map(([from, allowed]) => ({
  name: `${from}-imports-only-below`,
  comment: `src/${from} may import only ${allowed.length ? allowed.map((l) => `src/${l}`).join(', ') : 'nothing else in src'} (DESIGN.md §6)`,
  severity: 'error',
  from: { path: layer(from) },
  to: { path: '^src/', pathNot: [layer(from), ...allowed.map(layer)] },
}));
forbidden.push(
  {
    name: 'controllers-no-siblings',
    comment: 'a controller never imports a sibling controller',
    severity: 'error',
    from: { path: '^src/controllers/([^/]+)/' },
    to: { path: '^src/controllers/([^/]+)/', pathNot: '^src/controllers/$1/' },
  },
  {
    name: 'web-only-api',
    comment: 'the dashboard imports only src/api types',
    severity: 'error',
    from: { path: '^web/' },
    to: { path: '^src/', pathNot: layer('api') },
  },
  {
    name: 'no-cycles',
    severity: 'error',
    from: {},
    to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
  },
);
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
