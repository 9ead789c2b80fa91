/**
 * `npm run fuzz`: the HTTP fuzz properties of test/fuzz/http-fuzz.test.ts at scale (100 000
 * requests by default, split over the same app configurations), then the model-based test with
 * more runs. Prints the seed first, a summary per part, and exits non-zero on the first failure
 * with fast-check's counterexample and the assertion that failed.
 *
 *   npm run fuzz -- [--requests=100000] [--model-runs=400] [--seed=N]
 */
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { buildApp } from '../src/http/app.js'
import { configWith } from '../src/config.js'
import { FUZZ_CONFIGS } from '../test/helpers/fuzz-configs.js'
import { FuzzTally, fuzzParameters, fuzzProperty } from '../test/helpers/fuzz-properties.js'
import { MODEL_LIMITS, modelCommands, modelSetup } from '../test/helpers/fuzz-model.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    'model-runs': { type: 'string', default: '400' },
    seed: { type: 'string' }
  }
})

const totalRequests = Number(values.requests)
const modelRuns = Number(values['model-runs'])
const seed = values.seed === undefined ? (Date.now() ^ (Math.random() * 2 ** 31)) | 0 : Number(values.seed)
if (!Number.isSafeInteger(totalRequests) || totalRequests < 1 || !Number.isSafeInteger(modelRuns) || modelRuns < 0 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [--requests=N] [--model-runs=N] [--seed=N]')
  process.exit(2)
}

console.log(`heapd fuzz: seed ${seed}, ${totalRequests} requests, ${modelRuns} model runs`)
console.log(`replay: npm run fuzz -- --seed=${seed} --requests=${totalRequests} --model-runs=${modelRuns}`)

function report<T> (name: string, details: fc.RunDetails<T>): boolean {
  if (!details.failed) return true
  console.error(`\nFAILED: ${name}\n${fc.defaultReportMessage(details) ?? ''}`)
  if (details.errorInstance !== undefined) console.error(String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance))
  return false
}

let ok = true
const started = performance.now()
const perConfigShare = FUZZ_CONFIGS.reduce((sum, c) => sum + c.requests, 0)
for (const [index, config] of FUZZ_CONFIGS.entries()) {
  if (!ok) break
  // One seed per configuration, so each gets its own request sequences.
  const configSeed = (seed + index) | 0
  const requests = Math.ceil(totalRequests * config.requests / perConfigShare)
  const app = buildApp(configWith(config.overrides))
  await app.ready()
  const tally = new FuzzTally()
  const t0 = performance.now()
  const details = await fc.check(fuzzProperty(app, tally, config.overrides.apiKeys), fuzzParameters({ requests, seed: configSeed }))
  console.log(`${config.name} (seed ${configSeed}): ${tally.summary()}; ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  ok = report(config.name, details)
  await app.close()
}

if (ok && modelRuns > 0) {
  const limits = MODEL_LIMITS
  const app = buildApp(configWith({ limits }))
  await app.ready()
  let commands = 0
  const t0 = performance.now()
  const details = await fc.check(fc.asyncProperty(modelCommands(), async (cmds) => {
    commands += [...cmds].length
    await fc.asyncModelRun(() => modelSetup(app, limits), cmds)
  }), { numRuns: modelRuns, seed })
  console.log(`model: ${modelRuns} runs, ${commands} commands; ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  ok = report('model', details)
  await app.close()
}

console.log(`${ok ? 'passed' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed})`)
process.exit(ok ? 0 : 1)
