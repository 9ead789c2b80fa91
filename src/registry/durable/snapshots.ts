/**
 * Snapshots of tlsf heaps in the store: when to take one, how to compute it, how it is encoded.
 *
 * Policy. A tlsf heap's journal (the ops since its last snapshot, or since it was last empty) is
 * cut when it holds more than 2 x live blocks + SNAPSHOT_SLACK replay steps: a snapshot of the heap
 * as it is now replaces the older snapshot, in the transaction of the change that crossed the
 * line. The snapshot names the last op it covers (through_op); the rows up to it are no longer
 * replayed and the following changes delete them, STALE_ROWS_PER_STEP per step (store.ts), so the
 * pause does not pay for them. The file then holds O(live blocks) per heap (blocks, snapshot, at
 * most about 2 x live + slack op rows), and a restart costs the same, whatever the heap's history.
 *
 * Computation. The snapshot is the live heap's own (Heap.snapshot, allocator/snapshot.ts
 * takeSnapshot): O(live blocks + free ranges), read in the transaction of the change that crossed
 * the line, after the heap applied it (store.ts). Restoring it rebuilds a heap that places exactly
 * as the live one (the allocator's snapshot property test), so it is also right when the journal
 * it replaces would not have replayed: it heals such a journal instead of keeping it.
 *
 * Cost, measured (`npm run bench:durable -- --only=pause`, 3 runs each, 2-core machine under a
 * load of about 7): the change that takes the snapshot of a heap with 100 000 live blocks waits
 * 0.20-0.28 s. Before, computing the snapshot by replaying the journal in a scratch allocator, it
 * waited 0.73-1.8 s; with the live heap's snapshot but the replaced rows deleted in the pause,
 * 0.57-0.65 s. The other changes' median stays 0.03 ms.
 *
 * Encoding: JSON arrays of numbers, blocks flat as [ptr, size, align, ...] with align 0 for a
 * block that has the heap's alignment.
 */
import type { AllocatorSnapshot, SnapshotBlock } from '../../allocator/snapshot.js'

/** Replay steps a journal may hold beyond twice the live blocks before a snapshot cuts it. */
export const SNAPSHOT_SLACK = 1024

/** Replaced op rows deleted per step of each later change (store.ts deleteStale): all of them within 1/8 of the next journal. */
export const STALE_ROWS_PER_STEP = 8

export function snapshotDue (steps: number, liveBlocks: number, slack = SNAPSHOT_SLACK): boolean {
  return steps > 2 * liveBlocks + slack
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
