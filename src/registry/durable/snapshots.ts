/**
 * Snapshots of tlsf heaps in the store: when to take one, how to compute it, how it is encoded.
 *
 * Policy. A tlsf heap's journal (the ops since its last snapshot, or since it was last empty) is
 * cut when it holds more than 2 x live blocks + SNAPSHOT_SLACK replay steps: a snapshot of the heap
 * as it is now replaces the older snapshot and every op, in the transaction of the change that
 * crossed the line. Taking it costs O(live blocks) to read and write, plus deleting the journal's
 * rows: O(ops in the journal), paid once per that many ops: O(1) amortised per op. The file then holds O(live blocks) per heap
 * (blocks, snapshot, at most 2 x live + slack ops), and a restart costs the same, whatever the
 * heap's history.
 *
 * Computation. The snapshot is the live heap's own (Heap.snapshot, allocator/snapshot.ts
 * takeSnapshot): O(live blocks + free ranges), read in the transaction of the change that crossed
 * the line, after the heap applied it (store.ts). Restoring it rebuilds a heap that places exactly
 * as the live one (the allocator's snapshot property test), so it is also right when the journal
 * it replaces would not have replayed: it heals such a journal instead of keeping it.
 *
 * Cost, measured (`npm run bench:durable -- --only=pause`, 2-core machine with other work on
 * it): the change that takes the snapshot of a heap with 100 000 live blocks waits 0.36-0.49 s
 * (3 runs), against 0.9-1.3 s on the same runs when the snapshot was computed by replaying the
 * journal in a scratch allocator. Of one 0.29 s pause: reading the heap 17 ms, JSON 47 ms,
 * writing the snapshot 27 ms, deleting the ~200 000 op rows 81 ms, the commit ~115 ms.
 *
 * Encoding: JSON arrays of numbers, blocks flat as [ptr, size, align, ...] with align 0 for a
 * block that has the heap's alignment.
 */
import type { AllocatorSnapshot, SnapshotBlock } from '../../allocator/snapshot.js'

/** Replay steps a journal may hold beyond twice the live blocks before a snapshot cuts it. */
export const SNAPSHOT_SLACK = 1024

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
