/**
 * `npm run bench:worst`: the cost of one allocation on a shattered heap, per strategy.
 *
 * The heap holds 16,000,000 bytes cut into a million 16-byte blocks, every other one freed: 500,000
 * free ranges of 16 bytes, each starting at 16 mod 32, so none holds a 32-aligned byte. Two figures
 * per strategy, in ms per alloc(1, 32):
 * - cannot fit: nothing in the heap fits, and every alloc answers out-of-memory;
 * - can fit: the same heap with 64 more free bytes at the end, the one place that fits; each alloc
 *   is freed again, so every one meets the same heap.
 * A scan of the free ranges costs some milliseconds per alloc here; bounded work, microseconds.
 *
 * A third figure, "largest leaves": 200,000 free ranges of 1,000 to 1,031 bytes (one tlsf bin),
 * each followed by a 16-byte block; each step allocates the largest range whole, reads the stats
 * (their largestFree) and frees it again, so the largest free range leaves and comes back every
 * time. An index that learns its largest range by walking the ranges pays that walk every step.
 * Options: --ops=N allocations per figure (1000), --budget=S seconds per figure, after which the
 * figure is taken over the allocations done so far (10).
 */
import { performance } from 'node:perf_hooks'
import { createAllocator, OutOfMemoryError, STRATEGIES, type Allocator, type Strategy } from '../src/allocator/index.js'
import { flagsOf } from './args.js'
import { printTable } from './table.js'

const SHARDS = 500_000
const SHARD = 16
const ALIGN = 32

const flags = flagsOf(process.argv.slice(2), ['ops', 'budget'])
const ops = Number(flags.get('ops') ?? 1000)
const budgetMs = 1000 * Number(flags.get('budget') ?? 10)

function shattered (strategy: Strategy, tail: number): Allocator {
  const heap = createAllocator({ size: 2 * SHARDS * SHARD + tail, strategy })
  const ptrs: number[] = []
  for (let i = 0; i < 2 * SHARDS; i++) ptrs.push(heap.alloc(SHARD))
  for (let i = 1; i < 2 * SHARDS; i += 2) heap.free(ptrs[i]!)
  return heap
}

/** ms per alloc(1, ALIGN) over up to `ops` allocations or the time budget; each success is freed again. */
function timeAllocs (heap: Allocator, expectFit: boolean): { ms: number, done: number } {
  let done = 0
  const start = performance.now()
  while (done < ops && performance.now() - start < budgetMs) {
    try {
      const ptr = heap.alloc(1, ALIGN)
      if (!expectFit) throw new Error('an alloc fitted where nothing should')
      heap.free(ptr)
    } catch (error) {
      if (!(error instanceof OutOfMemoryError) || expectFit) throw error
    }
    done++
  }
  return { ms: (performance.now() - start) / done, done }
}

const SIMILAR = 200_000
const SIMILAR_BASE = 1000
const SIMILAR_SPREAD = 32

/** SIMILAR free ranges of SIMILAR_BASE to SIMILAR_BASE + SIMILAR_SPREAD - 1 bytes, each followed by a 16-byte block. */
function similarRanges (strategy: Strategy): { heap: Allocator, largest: number } {
  const heap = createAllocator({ size: SIMILAR * (SIMILAR_BASE + SIMILAR_SPREAD + SHARD), strategy })
  const ranges: number[] = []
  for (let i = 0; i < SIMILAR; i++) {
    ranges.push(heap.alloc(SIMILAR_BASE + (i * 7919) % SIMILAR_SPREAD))
    heap.alloc(SHARD)
  }
  for (const ptr of ranges) heap.free(ptr)
  // The untouched tail would be the largest range: take it.
  const tail = heap.stats().largestFree
  if (tail > SIMILAR_BASE + SIMILAR_SPREAD) heap.alloc(tail)
  return { heap, largest: heap.stats().largestFree }
}

/** ms per step: alloc the largest range, read the stats, free it again. */
function timeLargestLeaves (strategy: Strategy): { ms: number, done: number } {
  const { heap, largest } = similarRanges(strategy)
  let done = 0
  const start = performance.now()
  while (done < ops && performance.now() - start < budgetMs) {
    const ptr = heap.alloc(largest)
    if (heap.stats().largestFree > largest) throw new Error('the largest range did not leave')
    heap.free(ptr)
    done++
  }
  return { ms: (performance.now() - start) / done, done }
}

const rows: string[][] = []
for (const strategy of STRATEGIES) {
  const full = timeAllocs(shattered(strategy, 0), false)
  const roomy = timeAllocs(shattered(strategy, 2 * ALIGN), true)
  const leaves = timeLargestLeaves(strategy)
  rows.push([strategy, full.ms.toFixed(4), String(full.done), roomy.ms.toFixed(4), String(roomy.done), leaves.ms.toFixed(4), String(leaves.done)])
}
printTable(
  `alloc(1, ${ALIGN}) on ${SHARDS.toLocaleString('en-US')} free ranges of ${SHARD} bytes; the largest of ${SIMILAR.toLocaleString('en-US')} similar ranges leaving`,
  ['strategy', 'cannot fit, ms/alloc', 'allocs', 'can fit, ms/alloc', 'allocs', 'largest leaves, ms/step', 'steps'],
  rows,
  [`Up to ${ops} allocs per figure, or ${budgetMs / 1000} s; Node ${process.version}.`]
)
