/**
 * The fuzz fixture and state snapshots. Both go through the app's registry (app.registry) rather
 * than HTTP: a snapshot is taken after every fuzzed request, and doing that over inject would cost
 * more than the fuzzing itself. This is the one file to adapt when the registry's API changes.
 */
import assert from 'node:assert/strict'
import type { App } from '../../src/http/app.js'
import type { Strategy } from '../../src/allocator/types.js'

interface FixtureHeap {
  size: number
  strategy: Strategy
  alignment: number
  name?: string
  /** Blocks to allocate, then the indexes (into this list) to free again, leaving holes. */
  blocks: Array<{ size: number, align?: number, tag?: string }>
  free: number[]
}

/** A few heaps with different strategies, alignments and sizes, some blocks and holes in each. */
const FIXTURE: FixtureHeap[] = [
  {
    size: 4096,
    strategy: 'first-fit',
    alignment: 1,
    name: 'ff',
    blocks: [{ size: 100, tag: 'a' }, { size: 200 }, { size: 300, align: 64, tag: 'b' }, { size: 50 }, { size: 1000, tag: 'big' }],
    free: [1, 3]
  },
  {
    size: 2 ** 40,
    strategy: 'best-fit',
    alignment: 16,
    blocks: [{ size: 2 ** 20 }, { size: 4096, tag: 'page' }, { size: 2 ** 30, align: 2 ** 30 }, { size: 1 }],
    free: [0]
  },
  {
    size: 1000,
    strategy: 'tlsf',
    alignment: 8,
    name: 'tlsf',
    blocks: [{ size: 10 }, { size: 20, tag: 'x' }, { size: 30 }, { size: 400 }],
    free: [2]
  },
  {
    size: 64,
    strategy: 'first-fit',
    alignment: 1,
    blocks: [{ size: 32 }, { size: 32, tag: 'full' }],
    free: []
  }
]

export interface FixtureHeapRef { id: string, tenant: string | undefined }

/** Every heap of every tenant, in creation order. */
function allHeaps (app: App) {
  return [...app.registry.heaps()].sort((a, b) => a.seq - b.seq)
}

/**
 * Deletes every heap and builds the fixture again, the heaps owned in turn by `tenants` (none in
 * an open service); answers the fixture heaps.
 */
export function resetFixture (app: App, tenants: readonly string[] = []): FixtureHeapRef[] {
  const registry = app.registry
  for (const heap of allHeaps(app)) registry.delete(heap.id, heap.tenant)
  return FIXTURE.map((spec, k) => {
    const tenant = tenants.length === 0 ? undefined : tenants[k % tenants.length]
    const heap = registry.create({
      size: spec.size,
      strategy: spec.strategy,
      alignment: spec.alignment,
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(tenant !== undefined ? { tenant } : {})
    })
    const ptrs = spec.blocks.map((b) => heap.alloc(b.size, b.align, b.tag).ptr)
    for (const i of spec.free) heap.free(ptrs[i]!)
    return { id: heap.id, tenant }
  })
}

export interface HeapSnapshot {
  description: { tenant?: string }
  stats: Record<string, number>
  segments: unknown[]
  blocks: Array<{ ptr: number }>
}

/** Everything a request could change: every tenant's heaps in creation order, each with stats, segments and blocks. */
export type Snapshot = Map<string, HeapSnapshot>

export function snapshot (app: App): Snapshot {
  const result: Snapshot = new Map()
  for (const heap of allHeaps(app)) {
    result.set(heap.id, {
      description: heap.describe(),
      stats: heap.stats() as unknown as Record<string, number>,
      segments: heap.segments(0, Number.MAX_SAFE_INTEGER).items,
      blocks: heap.blocks(0, Number.MAX_SAFE_INTEGER).items
    })
  }
  return result
}

/**
 * Asserts `after` equals `before`. One counter may move on a rejected request: `failedAllocs`,
 * by exactly one on one heap, when the request failed with out-of-memory (it counts failed
 * allocations by design); an atomic batch's failure (which carries `index`) rolls it back too.
 */
export function assertUnchanged (before: Snapshot, after: Snapshot, allowFailedAlloc: boolean, message: string): void {
  assert.deepEqual([...after.keys()], [...before.keys()], `${message}: the heap list changed`)
  let failedAllocMoves = 0
  for (const [id, was] of before) {
    const now = after.get(id)!
    const delta = (now.stats.failedAllocs ?? 0) - (was.stats.failedAllocs ?? 0)
    if (delta !== 0) {
      assert.ok(allowFailedAlloc && delta === 1, `${message}: heap ${id} failedAllocs moved by ${delta}`)
      failedAllocMoves++
    }
    assert.deepEqual({ ...now, stats: { ...now.stats, failedAllocs: 0 } }, { ...was, stats: { ...was.stats, failedAllocs: 0 } },
      `${message}: heap ${id} changed`)
  }
  assert.ok(failedAllocMoves <= 1, `${message}: failedAllocs moved on ${failedAllocMoves} heaps`)
}

/** Live block pointers per heap ID, for resolving symbolic pointers. */
export function livePtrs (state: Snapshot, id: string | undefined): number[] {
  if (id === undefined) return []
  return state.get(id)?.blocks.map((b) => b.ptr) ?? []
}
