// Lint: neostandard (standard style, no semicolons) with typescript-eslint for the .ts files.
// Node's globals apply everywhere; public/ is the heap map's browser code and gets the browser's.
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

// neostandard resolves an `env` through its own copy of the globals package; take the browser's
// set from there rather than from whichever globals version happens to be hoisted.
const browserGlobals = neostandard({ env: ['browser'], noJsx: true })
  .find(config => config.name === 'neostandard/globals')
  .languageOptions.globals

export default [
  ...neostandard({
    ts: true,
    noJsx: true,
    ignores: [
      ...resolveIgnoresFromGitignore(),
      // Code generated from openapi/openapi.json is rewritten by its generator, not by hand.
      '**/*.generated.ts',
      '**/generated/**'
    ]
  }),
  {
    files: ['public/**/*.js'],
    languageOptions: { globals: browserGlobals, sourceType: 'module' }
  }
]
