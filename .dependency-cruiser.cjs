// Which part of src/ may import which: imports run down the pipeline only, never up and never in
// a loop (checked by `npm run lint`, like OpenPERouter's depguard rules in .golangci.yml).
//
//   errors                  the operational base class and messageOf: everyone may throw and read them
//   model, io, log, version leaves: names and shapes everyone shares, atomic files, the logger,
//                           the build's version
//   config                  read, validate, derive a node's config
//   netns kernel frr systemd  the pieces a reconcile drives (FRR's netns, ip, frr.conf, units)
//   reconcile               one converge, teardown, the state files
//   status                  reads what the node is doing
//   metrics                 the same, as Prometheus metrics (textfile, /metrics)
//   try daemon              act on the node (a try; the `run` loop); they talk through try.json
//   cli                     the commands: may use all of the above
//
// To let a folder import another, add it to its line in ALLOWED below, and only downward.

/** folder (or src/<name>.ts) -> the folders it may import besides itself. */
const LEAVES = ['errors', 'model', 'io', 'log', 'version'];
const ALLOWED = {
  errors: [],
  model: ['errors'],
  io: ['errors'],
  log: ['errors'],
  version: ['errors'],
  config: [...LEAVES],
  netns: [...LEAVES, 'config'],
  kernel: [...LEAVES, 'config'],
  frr: [...LEAVES, 'config'],
  systemd: [...LEAVES, 'config'],
  reconcile: [...LEAVES, 'config', 'netns', 'kernel', 'frr', 'systemd'],
  status: [...LEAVES, 'config', 'netns', 'kernel', 'frr', 'systemd', 'reconcile'],
  metrics: [...LEAVES, 'config', 'netns', 'kernel', 'frr', 'systemd', 'reconcile', 'status'],
  try: [...LEAVES, 'config', 'netns', 'kernel', 'frr', 'systemd', 'reconcile', 'status'],
  daemon: [...LEAVES, 'config', 'netns', 'kernel', 'frr', 'systemd', 'reconcile', 'status', 'metrics'],
  cli: [...LEAVES, 'config', 'netns', 'kernel', 'frr', 'systemd', 'reconcile', 'status', 'metrics', 'try', 'daemon'],
};

/** `src/<name>/…` or `src/<name>.ts`. */
const part = (names) => `^src/(${names.join('|')})(/|\\.ts$)`;

module.exports = {
  forbidden: [
    ...Object.entries(ALLOWED).map(([from, may]) => ({
      name: `layer-${from}`,
      comment: `src/${from} may import only ${may.length ? may.join(', ') : 'nothing else in src/'} (.dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: part([from]) },
      to: { path: '^src/', pathNot: part([from, ...may]) },
    })),
    {
      name: 'src-not-in-layers',
      comment: 'every folder of src/ has its line in ALLOWED (.dependency-cruiser.cjs)',
      severity: 'error',
      from: { path: '^src/', pathNot: part(Object.keys(ALLOWED)) },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import loop between files, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'product-not-from-test',
      comment: 'src/ is the product: it never imports tests, the bench or their helpers',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    // `import type` counts: a loop of types is still a loop a reader has to untangle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
