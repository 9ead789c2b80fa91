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
 * Cost, measured (`npm run bench:durable -- --only=pause`, 2-core machine under a load of 7 to 13
 * from other work, so wide ranges): the change that takes the snapshot of a heap with 100 000 live
 * blocks waits 0.08-0.31 s (reading the heap ~20 ms, encoding ~15-30 ms, writing ~20 ms, the
 * commit). Computing the snapshot by replaying the journal in a scratch allocator, as before, it
 * waited 0.73-3.7 s on the same runs; with the live heap's snapshot but the replaced rows deleted
 * in the pause and JSON text, 0.57-0.65 s. The other changes' median stays 0.03-0.05 ms.
 *
 * Encoding: blobs of little-endian doubles (exact for every safe integer), blocks flat as
 * [ptr, size, align, ...] with align 0 for a block that has the heap's alignment, the free order
 * as its offsets, written through a Float64Array: JSON text (or a write call per number) cost about
 * 45 ms of the pause at 100 000 live blocks. Snapshots of version 2 files are JSON arrays of the
 * same numbers, and still read.
 */
import { endianness } from 'node:os'
import type { AllocatorSnapshot, SnapshotBlock } from '../../allocator/snapshot.js'

/** Replay steps a journal may hold beyond twice the live blocks before a snapshot cuts it. */
export const SNAPSHOT_SLACK = 1024

/** Replaced op rows deleted per step of each later change (store.ts deleteStale): all of them within 1/8 of the next journal. */
export const STALE_ROWS_PER_STEP = 8

export function snapshotDue (steps: number, liveBlocks: number, slack = SNAPSHOT_SLACK): boolean {
  return steps > 2 * liveBlocks + slack
}

export interface EncodedSnapshot {
  blocks: Buffer | string
  free_order: Buffer | string
}

export function encodeSnapshot (snapshot: AllocatorSnapshot): EncodedSnapshot {
  const flat = new Float64Array(snapshot.blocks.length * 3)
  let at = 0
  for (const block of snapshot.blocks) {
    flat[at] = block.ptr
    flat[at + 1] = block.size
    flat[at + 2] = block.align ?? 0
    at += 3
  }
  return { blocks: littleEndian(flat), free_order: littleEndian(Float64Array.from(snapshot.freeOrder)) }
}

export function decodeSnapshot (row: EncodedSnapshot): AllocatorSnapshot {
  const flat = numbers(row.blocks)
  const blocks: SnapshotBlock[] = []
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const block: SnapshotBlock = { ptr: flat[i]!, size: flat[i + 1]! }
    if (flat[i + 2]! > 0) block.align = flat[i + 2]!
    blocks.push(block)
  }
  return { blocks, freeOrder: Array.from(numbers(row.free_order)) }
}

// Typed arrays use the platform's byte order; the file's is little-endian on every platform.
const BIG_ENDIAN = endianness() === 'BE'

function littleEndian (values: Float64Array): Buffer {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength)
  return BIG_ENDIAN ? bytes.swap64() : bytes
}

/** The numbers of a blob of doubles, or of a version 2 file's JSON array. */
function numbers (value: Buffer | string): ArrayLike<number> {
  if (typeof value === 'string') return JSON.parse(value) as number[]
  // A copy: the blob's bytes need not sit at a multiple of 8 for a Float64Array view.
  const values = new Float64Array(value.length / 8)
  const bytes = Buffer.from(values.buffer)
  value.copy(bytes)
  if (BIG_ENDIAN) bytes.swap64()
  return values
}
