/**
 * Model-based HTTP test: fc.commands drives create/alloc/free/realloc/batch/
 * reset/delete/inspect over HTTP and against the allocator library as the model (see
 * test/helpers/fuzz-model.ts).
 */
import t from 'tap'
import fc from 'fast-check'
import { build } from '../helpers/build.js'
import { MODEL_LIMITS, modelCommands, modelSetup } from '../helpers/fuzz-model.js'

const limits = MODEL_LIMITS
const seed = process.env.HEAPD_FUZZ_SEED === undefined ? undefined : Number(process.env.HEAPD_FUZZ_SEED)

t.test('HTTP answers match the allocator model, command by command', async (t) => {
  const app = await build(t, { limits })
  let commands = 0
  await fc.assert(fc.asyncProperty(modelCommands(), async (cmds) => {
    commands += [...cmds].length
    await fc.asyncModelRun(() => modelSetup(app, limits), cmds)
  }), { numRuns: 80, ...(seed !== undefined ? { seed } : {}) })
  t.ok(commands > 0, `${commands} commands generated in 80 runs`)
})
