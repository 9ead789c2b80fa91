/**
 * Snapshots of tlsf heaps in the SQLite store: when to take one and how it is encoded.
 *
 * Policy. A tlsf heap's journal (the ops since its last snapshot, or since it was last empty) is
 * cut when it holds more than 2 x live blocks + SNAPSHOT_SLACK replay steps: a snapshot of the heap
 * as it is now replaces the older snapshot, in the transaction of the change that crossed the
 * line. The snapshot names the last op it covers (through_op); the rows before it are no longer
 * replayed and the cleanup deletes them in slices (cleanup.ts), so the change does not pay for
 * them. The file then holds O(live blocks) per heap (blocks, snapshot, at most about 2 x live +
 * slack op rows), and a restart costs the same, whatever the heap's history.
 *
 * A snapshot is also taken instead of a journal row whenever that is cheaper (an undone batch
 * larger than the heap), and whenever the journal no longer describes the heap in memory (a
 * change whose commit failed was undone in memory, which may reorder tlsf free lists).
 *
 * The snapshot is the live heap's own (Allocator.snapshot, through the event's HeapState), read
 * in the transaction of the change, after the heap applied it: O(live blocks + free ranges).
 *
 * Encoding: blobs of little-endian doubles (exact for every safe integer), blocks flat as
 * [ptr, size, align, ...] with align 0 for a block that asked for none, the free order as its
 * offsets, written through a Float64Array, far cheaper than JSON text at a million blocks.
 * Tags are not needed: the blocks table has them. Snapshots of version 2 files are JSON arrays
 * of the same numbers, and still read.
 */
import { endianness } from 'node:os'
import type { Block } from '../../../allocator/types.js'
import type { StoredSnapshot } from '../store.js'

/** Replay steps a journal may hold beyond twice the live blocks before a snapshot cuts it. */
export const SNAPSHOT_SLACK = 1024

export function snapshotDue (steps: number, liveBlocks: number, slack = SNAPSHOT_SLACK): boolean {
  return steps > 2 * liveBlocks + slack
}

export interface EncodedSnapshot {
  blocks: Buffer | string
  free_order: Buffer | string
}

export function encodeSnapshot (snapshot: { blocks: readonly Block[], freeOrder: readonly number[] }): EncodedSnapshot {
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

export function decodeSnapshot (row: EncodedSnapshot): StoredSnapshot {
  const flat = numbers(row.blocks)
  const blocks: Block[] = []
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const block: Block = { ptr: flat[i]!, size: flat[i + 1]! }
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
  if (typeof value === 'string') {
    const parsed: unknown = JSON.parse(value)
    if (!Array.isArray(parsed) || !parsed.every((item) => Number.isSafeInteger(item))) throw new Error('not an array of integers')
    return parsed as number[]
  }
  if (value.length % 8 !== 0) throw new Error(`${value.length} bytes is not a whole number of doubles`)
  // A copy: the blob's bytes need not sit at a multiple of 8 for a Float64Array view.
  const values = new Float64Array(value.length / 8)
  const bytes = Buffer.from(values.buffer)
  value.copy(bytes)
  if (BIG_ENDIAN) bytes.swap64()
  return values
}
