/**
 * Snapshots of tlsf heaps in the store: when to take one, how to compute it, how it is encoded.
 *
 * Policy. A tlsf heap's journal (the ops since its last snapshot, or since it was last empty) is
 * cut when it holds more than 2 x live blocks + SNAPSHOT_SLACK replay steps: a snapshot of the heap
 * as it is now replaces the older snapshot and every op, in the transaction of the change that
 * crossed the line. Taking it costs O(live blocks + ops in the journal) = O(ops in the journal),
 * paid once per that many ops: O(1) amortised per op. The file then holds O(live blocks) per heap
 * (blocks, snapshot, at most 2 x live + slack ops), and a restart costs the same, whatever the
 * heap's history.
 *
 * Computation. The store does not reach into the live heap (the registry keeps its allocator to
 * itself): it rebuilds the heap in a scratch allocator from what the file holds (snapshot + ops,
 * exactly what a restart would do), checks it against the live heap's figures and snapshots the
 * scratch. Replay checks every pointer it is given, so a heap that replays to the same counts is
 * the same heap. A side effect: the journal is verified to replay. If it does not, no snapshot is
 * taken (the ops stay, and a restart falls back to the blocks as before).
 *
 * Cost, measured (2-core machine, busy): the change that takes the snapshot of a heap with 100 000
 * live blocks waits about 0.6 s (streaming ~200 000 op rows through the replay, then deleting
 * them); 10 000 live blocks, ~70 ms. A snapshot read from the live allocator would cost O(live
 * blocks) with a smaller constant, but the registry keeps its heaps' allocators to itself.
 *
 * Encoding: JSON arrays of numbers, blocks flat as [ptr, size, align, ...] with align 0 for a
 * block that has the heap's alignment.
 */
import { createAllocatorWithIndex } from '../../allocator/create.js'
import { takeSnapshot, type AllocatorSnapshot, type SnapshotBlock } from '../../allocator/snapshot.js'
import { createTlsfIndex } from '../../allocator/tlsf.js'
import type { HeapStats } from '../../allocator/types.js'
import { rebuildTlsf, type StoredOp } from './rebuild.js'

/** Replay steps a journal may hold beyond twice the live blocks before a snapshot cuts it. */
export const SNAPSHOT_SLACK = 1024

export function snapshotDue (steps: number, liveBlocks: number, slack = SNAPSHOT_SLACK): boolean {
  return steps > 2 * liveBlocks + slack
}

/**
 * The heap that `snapshot` + `ops` rebuild, as a new snapshot; undefined when they do not rebuild
 * the live heap, whose figures are `live`.
 */
export function nextSnapshot (
  heap: { size: number, alignment: number },
  snapshot: AllocatorSnapshot | undefined,
  ops: Iterable<StoredOp>,
  live: HeapStats
): AllocatorSnapshot | undefined {
  const scratch = createAllocatorWithIndex({ size: heap.size, alignment: heap.alignment }, createTlsfIndex, 'tlsf')
  try {
    rebuildTlsf(scratch, snapshot, ops)
  } catch {
    return undefined
  }
  const rebuilt = scratch.stats()
  const same = rebuilt.liveBlocks === live.liveBlocks && rebuilt.used === live.used &&
    rebuilt.freeRanges === live.freeRanges && rebuilt.largestFree === live.largestFree
  return same ? takeSnapshot(scratch) : undefined
}

export interface EncodedSnapshot {
  blocks: string
  free_order: string
}

export function encodeSnapshot (snapshot: AllocatorSnapshot): EncodedSnapshot {
  const flat: number[] = []
  for (const block of snapshot.blocks) flat.push(block.ptr, block.size, block.align ?? 0)
  return { blocks: JSON.stringify(flat), free_order: JSON.stringify(snapshot.freeOrder) }
}

export function decodeSnapshot (row: EncodedSnapshot): AllocatorSnapshot {
  const flat = JSON.parse(row.blocks) as number[]
  const blocks: SnapshotBlock[] = []
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const block: SnapshotBlock = { ptr: flat[i]!, size: flat[i + 1]! }
    if (flat[i + 2]! > 0) block.align = flat[i + 2]!
    blocks.push(block)
  }
  return { blocks, freeOrder: JSON.parse(row.free_order) as number[] }
}
