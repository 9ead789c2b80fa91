/**
 * A heap's occupancy walks a large range in slices and lets other work run between them, so one
 * `?buckets=` request over a heap of a million blocks does not hold the event loop.
 */
import t from 'tap'
import { Registry } from '../../src/registry/registry.js'

t.test('occupancy yields to other work between slices and answers what one walk would', async (t) => {
  const registry = new Registry({ limits: { maxHeaps: 10, maxHeapSize: 2 ** 40, maxBlocksPerHeap: 100_000 } })
  const heap = registry.create({ size: 1_000_000, strategy: 'tlsf' })
  for (let i = 0; i < 1000; i++) heap.alloc(100)
  const whole = await heap.occupancy(8)
  const walk = { done: false }
  const sliced = heap.occupancy(8, 0, heap.size, 100).then((occupancy) => { walk.done = true; return occupancy })
  let turns = 0
  while (!walk.done) {
    await new Promise((resolve) => setImmediate(resolve))
    turns++
  }
  t.ok(turns >= 9, `other work ran ${turns} times during the walk of 1,001 segments in slices of 100`)
  t.same(await sliced, whole)
  t.equal(whole.buckets.reduce((sum, bucket) => sum + bucket.used, 0), 100_000, 'every used byte counted once')
})
