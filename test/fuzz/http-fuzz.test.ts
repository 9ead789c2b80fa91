/**
 * HTTP fuzzing: 10 000+ arbitrary requests over every route, in three apps:
 * default limits; tight limits, so quotas and the body limit are hit often; API keys with two
 * tenants. The properties are in test/helpers/fuzz-properties.ts; `npm run fuzz` runs the same
 * ones 100 000 times.
 * HEAPD_FUZZ_SEED=<n> replays a reported seed.
 */
import t from 'tap'
import fc from 'fast-check'
import { build } from '../helpers/build.js'
import { FuzzTally, fuzzParameters, fuzzProperty } from '../helpers/fuzz-properties.js'
import { FUZZ_CONFIGS } from '../helpers/fuzz-configs.js'

const seed = process.env.HEAPD_FUZZ_SEED === undefined ? undefined : Number(process.env.HEAPD_FUZZ_SEED)

for (const { name, overrides, requests } of FUZZ_CONFIGS) {
  t.test(`fuzz: ${name}`, async (t) => {
    const app = await build(t, overrides)
    const tally = new FuzzTally()
    await fc.assert(fuzzProperty(app, tally, overrides.apiKeys), fuzzParameters({ requests, ...(seed !== undefined ? { seed } : {}) }))
    t.ok(tally.requests >= requests, `${tally.summary()}`)
    // The mix must reach the handlers, not only the router and validation.
    for (const status of [200, 201, 204, 400, 404, 409]) t.ok((tally.byStatus.get(status) ?? 0) > 0, `some ${status}`)
  })
}
