/**
 * Bookkeeping per live block with and without tags: `npx tsx bench/tag-memory.ts`.
 *
 * Per strategy, 1,250,000 blocks of 16 to 256 bytes are allocated and 250,000 of them, chosen at
 * random, freed: a million live blocks among free ranges. Once without tags, once with a distinct
 * 16-character tag on every block. Figures per live block: the allocator's typed arrays
 * (bookkeepingBytes()), the JS heap it holds besides (heapUsed after minus before, with gc: the
 * tags' Map and the strings, 32 bytes of each tag's), and their sum. A Map keeps the capacity it
 * grew to: here 1,250,000 entries were in it at once. Offsets stay below 2^31, so the Map's keys are small
 * integers; past that each key is a boxed number of its own.
 */
import { createAllocator, STRATEGIES, type Allocator, type Strategy } from '../src/allocator/index.js'
import { prng } from '../test/helpers/prng.js'
import { collect } from './memory.js'
import { printTable } from './table.js'

const LIVE = 1_000_000
const FREED = 250_000

/** The string as one flat sequence of bytes, as JSON.parse makes a request's tag (a template literal makes a rope, twice the size). */
function flat (text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1')
}

function build (strategy: Strategy, tagged: boolean): { heap: Allocator, heapUsed: number } {
  const random = prng(7)
  collect()
  const before = process.memoryUsage().heapUsed
  const heap = createAllocator({ size: 2 ** 30, strategy })
  const ptrs: number[] = []
  for (let i = 0; i < LIVE + FREED; i++) {
    const tag = tagged ? flat(`tag-${String(i).padStart(12, '0')}`) : undefined
    ptrs.push(heap.alloc(16 + Math.floor(random() * 241), undefined, tag))
  }
  for (let i = 0; i < FREED; i++) {
    const at = Math.floor(random() * ptrs.length)
    heap.free(ptrs[at]!)
    ptrs[at] = ptrs[ptrs.length - 1]!
    ptrs.pop()
  }
  ptrs.length = 0
  collect()
  const heapUsed = process.memoryUsage().heapUsed - before
  return { heap, heapUsed }
}

const rows: string[][] = []
for (const strategy of STRATEGIES) {
  for (const tagged of [false, true]) {
    const { heap, heapUsed } = build(strategy, tagged)
    const live = heap.stats().liveBlocks
    const arrays = heap.bookkeepingBytes() / live
    const js = Math.max(0, heapUsed) / live
    rows.push([strategy, tagged ? '16 characters' : 'none', arrays.toFixed(1), js.toFixed(1), (arrays + js).toFixed(1)])
  }
}
printTable(
  `Bookkeeping per live block at ${LIVE.toLocaleString('en-US')} live blocks`,
  ['strategy', 'tag', 'typed arrays B', 'JS heap B', 'total B'],
  rows,
  [`JS heap = heapUsed after - before, with gc (the tags' Map and strings); Node ${process.version}.`]
)
