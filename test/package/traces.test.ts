/**
 * The trace prefixes the repository carries (traces/), which tests and benchmarks read when the full
 * traces are not beside the repository: each is an alloc-trace v1 file whose every free names a
 * block allocated before it and still live, with ids dense in allocation order.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ALLOC, CARRIED_TRACES_DIR, TRACE_NAMES, parseTrace } from '../helpers/trace.js'

for (const name of TRACE_NAMES) {
  t.test(`traces/${name}.trace.gz is a consistent prefix`, async (t) => {
    const text = gunzipSync(readFileSync(join(CARRIED_TRACES_DIR, `${name}.trace.gz`))).toString('latin1')
    const lines = text.split('\n')
    t.equal(lines[0], '# alloc-trace v1', 'starts with the format header')
    const prefix = lines.find((line) => line.startsWith('# prefix: '))
    t.match(prefix, /^# prefix: first \d+ of \d+ ops$/, 'says where it was cut')

    const trace = parseTrace(name, text)
    t.equal(trace.length, Number(/first (\d+)/.exec(prefix ?? '')?.[1]), 'holds the ops its prefix line counts')
    const live = new Uint8Array(trace.ids)
    let allocated = 0
    let problem = ''
    for (let i = 0; i < trace.length && problem === ''; i++) {
      const id = trace.id[i]!
      if (trace.kind[i] === ALLOC) {
        if (id !== allocated) problem = `op ${i} allocates id ${id}, expected ${allocated}`
        allocated++
        live[id] = 1
      } else if (live[id] !== 1) {
        problem = `op ${i} frees id ${id}, which is not live`
      } else {
        live[id] = 0
      }
    }
    t.equal(problem, '', 'ids are dense and every free names a live block')
  })
}
