/**
 * The big run: `live` allocations of random sizes (seeded) on a 2^40 heap, free half of them at
 * random, allocate as many again; ops/s over all three phases, and memory per live block:
 * the allocator's own bookkeepingBytes() when it offers it, and the process heap/RSS delta as a
 * sanity check (the harness's arrays are allocated before the baseline is taken).
 */
import { snapshot, collect } from './memory.js'
import type { Subject } from './subjects.js'
import { prng } from '../test/helpers/prng.js'

export interface MillionResult {
  name: string
  live: number
  ops: number
  ns: number
  /** Least CPU time (user + system) of any pass. */
  cpuNs: number
  /** Per phase: alloc all, free half, alloc again. */
  phaseNs: [number, number, number]
  bookkeepingPerBlock: number | undefined
  heapUsedPerBlock: number
  arrayBuffersPerBlock: number
  rssPerBlock: number
}

interface Workload {
  sizes: Float64Array
  /** Indices (into the first `live` allocations) to free, in order. */
  victims: Int32Array
  ptrs: Float64Array
}

/** Sizes 1..4096 uniform for the first round, the same law for the refill. */
function workload (live: number, seed: number): Workload {
  const random = prng(seed)
  const half = Math.floor(live / 2)
  const sizes = new Float64Array(live + half)
  for (let i = 0; i < sizes.length; i++) sizes[i] = 1 + Math.floor(random() * 4096)
  const order = new Int32Array(live)
  for (let i = 0; i < live; i++) order[i] = i
  for (let i = live - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return { sizes, victims: order.subarray(0, half), ptrs: new Float64Array(live + half) }
}

function runOnce (subject: Subject, live: number, w: Workload): { ns: number, cpuNs: number, phaseNs: [number, number, number], heap: ReturnType<Subject['make']> } {
  const heap = subject.make(2 ** 40)
  const { sizes, victims, ptrs } = w
  const half = victims.length
  const cpuStart = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < live; i++) ptrs[i] = heap.alloc(sizes[i]!)
  const t1 = process.hrtime.bigint()
  for (let k = 0; k < half; k++) heap.free(ptrs[victims[k]!]!)
  const t2 = process.hrtime.bigint()
  for (let i = live; i < live + half; i++) ptrs[i] = heap.alloc(sizes[i]!)
  const t3 = process.hrtime.bigint()
  const cpu = process.cpuUsage(cpuStart)
  return { ns: Number(t3 - t0), cpuNs: (cpu.user + cpu.system) * 1000, phaseNs: [Number(t1 - t0), Number(t2 - t1), Number(t3 - t2)], heap }
}

export function benchMillion (subject: Subject, live: number, passes: number, seed = 42): MillionResult {
  // Warm-up on a small run, so the timed passes run compiled code without paying a full extra run.
  const warm = Math.min(live, 100_000)
  runOnce(subject, warm, workload(warm, seed + 1))
  const w = workload(live, seed)
  let best: { ns: number, phaseNs: [number, number, number] } | undefined
  let cpuNs = Infinity
  let memory = { bookkeeping: undefined as number | undefined, heapUsed: 0, arrayBuffers: 0, rss: 0 }
  for (let pass = 0; pass < passes; pass++) {
    // Baseline with the harness arrays already allocated; gc happens outside the timed region.
    const before = snapshot()
    const run = runOnce(subject, live, w)
    const after = snapshot()
    // The first pass grows RSS from a clean baseline; later ones reuse pages freed by gc.
    if (pass === 0) {
      memory = {
        bookkeeping: run.heap.bookkeepingBytes?.(),
        heapUsed: after.heapUsed - before.heapUsed,
        arrayBuffers: after.arrayBuffers - before.arrayBuffers,
        rss: after.rss - before.rss
      }
    }
    if (best === undefined || run.ns < best.ns) best = { ns: run.ns, phaseNs: run.phaseNs }
    cpuNs = Math.min(cpuNs, run.cpuNs)
  }
  collect()
  return {
    name: subject.name,
    live,
    ops: live + 2 * w.victims.length,
    ns: best!.ns,
    cpuNs,
    phaseNs: best!.phaseNs,
    bookkeepingPerBlock: memory.bookkeeping === undefined ? undefined : memory.bookkeeping / live,
    heapUsedPerBlock: memory.heapUsed / live,
    arrayBuffersPerBlock: memory.arrayBuffers / live,
    rssPerBlock: memory.rss / live
  }
}
