/**
 * The allocator core shared by every strategy. The heap is tiled by segments (segments.ts); a
 * FreeIndex (first-fit, best-fit, tlsf) holds the free ones and picks the range for a request;
 * the pointer map (pointer-map.ts) finds a block from its ptr; counters.ts keeps stats.
 *
 * alloc: index.find (bounded work, each strategy's header says how), then split the range
 * as [free padding][block][free remainder].
 * free: pointer map lookup, then merge with free neighbours through the physical links: O(1)
 * plus the index updates. realloc: in place when it can (shrink, or grow into a free right
 * neighbour); otherwise a move, placed by the strategy as alloc(size) would be with the old
 * block still live (its own space is not reused), aligned like the old block, then the old
 * block freed. So alloc, free and realloc cost O(1) expected apart from the FreeIndex.
 * A bad pointer is classified by seeking the segment that contains it: O(log n) expected.
 *
 * Block metadata: the alignment a client asked for lives in the block's state byte (segments.ts),
 * so it costs nothing; a tag lives in `tags`, a Map from ptr, so only tagged blocks pay for one.
 * free() answers the freed block with both; a moving realloc carries both to the new ptr.
 *
 * Counting: allocs counts alloc and allocAt; a realloc counts only in reallocs (a move is not an
 * alloc plus a free); failedAllocs counts out-of-memory answers of alloc and realloc, nothing
 * else; peaks are taken after each whole operation. allocAt blocks carry the heap alignment.
 *
 * atomically() records the inverse of every change in an undo log (alloc <-> free via allocAt,
 * resize <-> resize; a freed block's tag on a stack beside it) plus a snapshot of the counters,
 * and replays it backwards when fn throws: O(1) per undone change, O(log n) for an undone free
 * (a seek). Nested calls are savepoints.
 *
 * Reservations (defragmentation, defrag-reserve.ts) are segments in state RESERVED: neither free
 * (outside the FreeIndex, so no strategy can pick them) nor blocks (outside the pointer map);
 * their bytes count as used. A committed move turns the reservation into the block in place.
 *
 * freeOrder() and restoreFreeOrder() expose the one piece of state besides the layout that
 * decides later placements (tlsf's list order); snapshot() and restoreLayout() carry a whole heap
 * (snapshot.ts). Cold code.
 */
import { alignUp } from './align.js'
import { checkHeap } from './check.js'
import { HeapCounters } from './counters.js'
import { ExceedsHeapSizeError, InvalidArgumentError, InvalidPointerError, OutOfMemoryError } from './errors.js'
import type { FreeIndex, FreeIndexFactory } from './free-index.js'
import { typedArrayBytes } from './memory.js'
import { PointerMap } from './pointer-map.js'
import { planDefrag } from './defrag.js'
import { commitMoves, releaseReservations, reserveMoves } from './defrag-reserve.js'
import { FREE, HEAD, NIL, requestedAlign, RESERVED, SegmentStore, USED, usedState } from './segments.js'
import type { Allocator, AllocatorSnapshot, Block, DefragMove, DefragOptions, DefragPlan, FreeRange, HeapStats, Occupancy, Reservation, Segment, Strategy } from './types.js'
import { checkAlignment, checkInteger, checkSize, checkTag, isSize, notASize } from './validate.js'
import { blocksFrom, freeRangesFrom, occupancyOf, occupancySlices, segmentsFrom } from './views.js'

const ALIGN_1_STATE = usedState(1)

/** A Block made whole in one literal (a property added later would move the object to a slower shape). */
function blockWith (ptr: number, size: number, state: number, tag: string | undefined): Block {
  if (tag === undefined) return state === USED ? { ptr, size } : { ptr, size, align: requestedAlign(state) }
  return state === USED ? { ptr, size, tag } : { ptr, size, align: requestedAlign(state), tag }
}

/** Undo log entry kinds; each entry is [kind, ptr, size, state]. UNDO_FREE_TAGGED's tag is on the tag stack. */
/** Segments one slice of occupancyInSlices walks by default: about a millisecond. */
export const OCCUPANCY_SLICE = 16_384

const UNDO_ALLOC = 1
const UNDO_FREE = 2
const UNDO_RESIZE = 3
const UNDO_FREE_TAGGED = 4
/** A reservation was claimed at ptr: undone by releasing it. */
const UNDO_RESERVE = 5
/** A reservation [ptr, ptr + size) was released: undone by claiming it again. */
const UNDO_UNRESERVE = 6
/** The reservation at ptr became a block (a committed move): undone by making it a reservation again. */
const UNDO_ADOPT = 7

export class HeapAllocator implements Allocator {
  readonly store: SegmentStore
  readonly index: FreeIndex
  readonly pointers: PointerMap
  readonly counters = new HeapCounters()
  /** Tags of the blocks that have one, by ptr. */
  readonly tags = new Map<number, string>()
  private undo: number[] | null = null
  /** Tags of the UNDO_FREE_TAGGED entries of `undo`, in the same order. */
  private undoTags: string[] = []

  constructor (readonly size: number, readonly strategy: Strategy, readonly alignment: number, factory: FreeIndexFactory) {
    this.store = new SegmentStore(capacity => this.index.grow(capacity))
    this.index = factory(this.store)
    this.pointers = new PointerMap(this.store)
    this.insertFree(this.store.reset(size))
  }

  alloc (size: number, align?: number, tag?: string): number {
    if (!isSize(size)) throw this.badSize(size)
    let state = USED
    let a = this.alignment
    if (align === 1) {
      // Valid and never above the heap's alignment: the common explicit request needs no check.
      state = ALIGN_1_STATE
    } else if (align !== undefined) {
      const requested = checkAlignment('align', align)
      state = usedState(requested)
      if (requested > a) a = requested
    }
    if (tag !== undefined) checkTag('tag', tag)
    const ptr = this.place(size, a, state)
    if (tag !== undefined) this.tags.set(ptr, tag)
    this.counters.allocs++
    this.counters.notePeaks()
    this.undo?.push(UNDO_ALLOC, ptr, size, 0)
    return ptr
  }

  free (ptr: number): void {
    const node = this.nodeOf(ptr)
    const store = this.store
    this.freeNode(node, ptr, store.sizes[node]!, store.state[node]!, this.tags.size === 0 ? undefined : this.tags.get(ptr))
  }

  freeBlock (ptr: number): Block {
    const node = this.nodeOf(ptr)
    const block = this.blockOf(node)
    this.freeNode(node, ptr, block.size, this.store.state[node]!, block.tag)
    return block
  }

  /** free() and freeBlock() once the block is known: logs, forgets the tag, releases the node. */
  private freeNode (node: number, ptr: number, size: number, state: number, tag: string | undefined): void {
    if (tag !== undefined) this.tags.delete(ptr)
    if (this.undo !== null) this.logFree(ptr, size, state, tag)
    this.release(node)
    this.counters.frees++
  }

  realloc (ptr: number, size: number): number {
    const node = this.nodeOf(ptr)
    if (!isSize(size)) throw this.badSize(size)
    const store = this.store
    const old = store.sizes[node]!
    let result = ptr
    if (size < old) {
      this.shrink(node, size)
    } else if (size > old && !this.growInPlace(node, size)) {
      const state = store.state[node]!
      result = this.place(size, this.alignmentOf(state), state)
      const tag = this.tags.size === 0 ? undefined : this.tags.get(ptr)
      if (tag !== undefined) {
        this.tags.delete(ptr)
        this.tags.set(result, tag)
      }
      if (this.undo !== null) {
        this.undo.push(UNDO_ALLOC, result, size, 0)
        this.logFree(ptr, old, state, tag)
      }
      this.release(node)
    }
    if (result === ptr && size !== old) this.undo?.push(UNDO_RESIZE, ptr, old, 0)
    this.counters.reallocs++
    this.counters.notePeaks()
    return result
  }

  sizeOf (ptr: number): number | undefined {
    if (typeof ptr !== 'number') return undefined
    const node = this.pointers.get(ptr)
    return node === NIL ? undefined : this.store.sizes[node]
  }

  block (ptr: number): Block | undefined {
    if (typeof ptr !== 'number') return undefined
    const node = this.pointers.get(ptr)
    return node === NIL ? undefined : this.blockOf(node)
  }

  tagOf (ptr: number): string | undefined {
    if (typeof ptr !== 'number' || this.tags.size === 0) return undefined
    return this.pointers.get(ptr) === NIL ? undefined : this.tags.get(ptr)
  }

  /** The block held by used node `node`, with its requested alignment and tag when it has them. */
  blockOf (node: number): Block {
    const store = this.store
    const ptr = store.offsets[node]!
    return blockWith(ptr, store.sizes[node]!, store.state[node]!, this.tags.size === 0 ? undefined : this.tags.get(ptr))
  }

  stats (): HeapStats {
    return this.counters.stats(this.size, this.index.largest())
  }

  blocks (from = 0): IterableIterator<Block> {
    return blocksFrom(this, checkInteger('from', from))
  }

  freeRanges (from = 0): IterableIterator<FreeRange> {
    return freeRangesFrom(this.store, checkInteger('from', from))
  }

  segments (from = 0): IterableIterator<Segment> {
    return segmentsFrom(this, checkInteger('from', from))
  }

  occupancy (buckets: number, from = 0, to = this.size): Occupancy {
    return occupancyOf(this.store, this.size, buckets, from, to)
  }

  occupancyInSlices (buckets: number, from = 0, to = this.size, segmentsPerSlice = OCCUPANCY_SLICE): Generator<void, Occupancy, void> {
    return occupancySlices(this.store, this.size, buckets, from, to, segmentsPerSlice)
  }

  allocAt (ptr: number, size: number): void {
    checkInteger('ptr', ptr)
    checkSize('size', size)
    this.claimAt(ptr, size, USED)
    this.counters.allocs++
    this.counters.notePeaks()
    this.undo?.push(UNDO_ALLOC, ptr, size, 0)
  }

  atomically<T> (fn: () => T): T {
    const outer = this.undo === null
    const log = this.undo ?? (this.undo = [])
    const mark = log.length
    const saved = this.counters.snapshot()
    try {
      return fn()
    } catch (error) {
      this.rollback(log, mark)
      this.counters.restore(saved)
      throw error
    } finally {
      if (outer) {
        this.undo = null
        this.undoTags = []
      }
    }
  }

  reset (): void {
    if (this.undo !== null) {
      const store = this.store
      for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!) {
        if (store.state[x] === RESERVED) this.undo.push(UNDO_UNRESERVE, store.offsets[x]!, store.sizes[x]!, 0)
        else if (store.state[x] !== FREE) this.logFree(store.offsets[x]!, store.sizes[x]!, store.state[x]!, this.tags.get(store.offsets[x]!))
      }
    }
    this.tags.clear()
    this.index.clear()
    this.pointers.clear()
    this.counters.clearLayout()
    this.insertFree(this.store.reset(this.size))
  }

  check (): void {
    checkHeap(this)
  }

  freeOrder (): number[] {
    const order = this.index.order?.()
    if (order === undefined) return [...this.freeRanges()].map(range => range.offset)
    return order.map(node => this.store.offsets[node]!)
  }

  restoreFreeOrder (offsets: readonly number[]): void {
    const store = this.store
    const byOffset = new Map<number, number>()
    for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!) {
      if (store.state[x] === FREE) byOffset.set(store.offsets[x]!, x)
    }
    if (offsets.length !== byOffset.size) {
      throw new InvalidArgumentError('offsets', `names ${offsets.length} ranges, the heap has ${byOffset.size} free ranges`)
    }
    const nodes = offsets.map(offset => {
      const node = byOffset.get(offset)
      if (node === undefined) throw new InvalidArgumentError('offsets', `${offset} is not the offset of a free range (or appears twice)`)
      byOffset.delete(offset)
      return node
    })
    this.index.restoreOrder?.(nodes)
  }

  snapshot (): AllocatorSnapshot {
    const store = this.store
    const blocks: Block[] = []
    const reservations: Reservation[] = []
    for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!) {
      if (store.state[x] === RESERVED) reservations.push({ offset: store.offsets[x]!, size: store.sizes[x]! })
      else if (store.state[x] !== FREE) blocks.push(this.blockOf(x))
    }
    const { allocs, frees, reallocs, failedAllocs, peakUsed, peakLiveBlocks } = this.counters
    const snapshot: AllocatorSnapshot = {
      size: this.size,
      strategy: this.strategy,
      alignment: this.alignment,
      blocks,
      freeOrder: this.freeOrder(),
      counters: { allocs, frees, reallocs, failedAllocs, peakUsed, peakLiveBlocks }
    }
    if (reservations.length > 0) snapshot.reservations = reservations
    return snapshot
  }

  planDefrag (options?: DefragOptions): DefragPlan {
    return planDefrag(this, options)
  }

  reserve (moves: readonly DefragMove[]): void {
    reserveMoves(this, moves)
  }

  commitMoves (moves: readonly DefragMove[], skipped?: ReadonlySet<number>): void {
    commitMoves(this, moves, skipped)
  }

  releaseReservations (moves: readonly DefragMove[]): void {
    releaseReservations(this, moves)
  }

  /** Claims [ptr, ptr + size), which must lie inside one free range, as a reservation. */
  claimReservation (ptr: number, size: number): void {
    this.claimAt(ptr, size, RESERVED)
    this.counters.notePeaks()
    this.undo?.push(UNDO_RESERVE, ptr, size, 0)
  }

  /** The reservation node starting exactly at ptr and `size` bytes long, or NIL. O(log n). */
  reservationAt (ptr: number, size: number): number {
    if (ptr < 0 || ptr >= this.size) return NIL
    const node = this.store.seek(ptr)
    const store = this.store
    return store.state[node] === RESERVED && store.offsets[node] === ptr && store.sizes[node] === size ? node : NIL
  }

  /** Releases reservation node `node`: its range becomes free, merged with free neighbours. */
  releaseReservation (node: number): void {
    const store = this.store
    this.undo?.push(UNDO_UNRESERVE, store.offsets[node]!, store.sizes[node]!, 0)
    this.counters.addUsed(-store.sizes[node]!, 0)
    this.mergeFree(node)
  }

  /** Reservation node `node` becomes a block of used state `state` with `tag` (a committed move's destination). */
  adoptReservation (node: number, state: number, tag: string | undefined): void {
    const store = this.store
    store.state[node] = state
    this.pointers.add(node)
    this.counters.addUsed(0, 1)
    if (tag !== undefined) this.tags.set(store.offsets[node]!, tag)
    this.undo?.push(UNDO_ADOPT, store.offsets[node]!, store.sizes[node]!, 0)
  }

  /** Frees block node `node` as a committed move's source: undoable like free(), but counted as no free. */
  vacate (node: number): void {
    const store = this.store
    const ptr = store.offsets[node]!
    const tag = this.tags.size === 0 ? undefined : this.tags.get(ptr)
    if (tag !== undefined) this.tags.delete(ptr)
    if (this.undo !== null) this.logFree(ptr, store.sizes[node]!, store.state[node]!, tag)
    this.release(node)
  }

  /**
   * Claims every reservation of `reservations` (address order, each inside one free range) in a
   * heap restored from a snapshot. Throws InvalidArgumentError, before changing anything, when
   * they are malformed, unsorted or overlap; claimAt rejects one that is not free.
   */
  restoreReservations (reservations: readonly Reservation[]): void {
    let end = -1
    for (const [i, reservation] of reservations.entries()) {
      const name = `reservations[${i}]`
      if (typeof reservation !== 'object' || reservation === null) throw new InvalidArgumentError(name, 'must be a range')
      checkInteger(`${name}.offset`, reservation.offset)
      checkSize(`${name}.size`, reservation.size)
      if (reservation.offset < end) throw new InvalidArgumentError(name, 'overlaps the reservation before it')
      end = reservation.offset + reservation.size
    }
    for (const reservation of reservations) this.claimAt(reservation.offset, reservation.size, RESERVED)
  }

  /**
   * Claims every block of `blocks` in an empty heap, in address order, at its ptr, with its
   * requested alignment and tag; counts no alloc. Throws InvalidArgumentError, before changing
   * anything, when the blocks are not sorted, overlap, leave the heap or are malformed.
   */
  restoreLayout (blocks: readonly Block[]): void {
    if (this.counters.liveBlocks > 0) throw new InvalidArgumentError('blocks', 'a layout is restored into an empty heap')
    let end = 0
    for (const [i, block] of blocks.entries()) {
      const name = `blocks[${i}]`
      if (typeof block !== 'object' || block === null) throw new InvalidArgumentError(name, 'must be a block')
      checkInteger(`${name}.ptr`, block.ptr)
      checkSize(`${name}.size`, block.size)
      if (block.align !== undefined && block.ptr % checkAlignment(`${name}.align`, block.align) !== 0) {
        throw new InvalidArgumentError(`${name}.align`, `${block.ptr} is not a multiple of ${block.align}`)
      }
      if (block.tag !== undefined) checkTag(`${name}.tag`, block.tag)
      if (block.ptr < end || block.ptr + block.size > this.size) {
        throw new InvalidArgumentError(name, `[${block.ptr}, ${block.ptr + block.size}) overlaps the block before it or leaves the heap of ${this.size} bytes`)
      }
      end = block.ptr + block.size
    }
    for (const block of blocks) {
      this.claimAt(block.ptr, block.size, block.align === undefined ? USED : usedState(block.align))
      if (block.tag !== undefined) this.tags.set(block.ptr, block.tag)
    }
    this.counters.notePeaks()
  }

  bookkeepingBytes (): number {
    return this.store.byteLength() + this.pointers.byteLength() + typedArrayBytes(this.index, 3, new Set([this.store]))
  }

  /** Places a block (used state `state`) by the strategy's choice and returns its ptr; throws when nothing fits. */
  /** Why `size` is no size: an integer beyond the safe ones is still a size, larger than any heap. */
  private badSize (size: unknown): Error {
    if (Number.isInteger(size) && (size as number) > this.size) return new ExceedsHeapSizeError(size as number, this.size)
    return notASize('size', size)
  }

  private place (size: number, align: number, state: number): number {
    if (size > this.size) throw new ExceedsHeapSizeError(size, this.size)
    const node = this.index.find(size, align)
    if (node === NIL) {
      this.counters.failedAllocs++
      throw new OutOfMemoryError(size, this.counters.free, this.index.largest(), align)
    }
    const ptr = alignUp(this.store.offsets[node]!, align)
    this.split(node, ptr, size, state)
    return ptr
  }

  /** The alignment a block of used state `state` is placed with: the heap's, or the larger one it asked for. */
  alignmentOf (state: number): number {
    return state === USED ? this.alignment : Math.max(requestedAlign(state), this.alignment)
  }

  /** Logs the undo of freeing the block at ptr (it is claimed again, with its state and tag). */
  private logFree (ptr: number, size: number, state: number, tag: string | undefined): void {
    if (tag === undefined) {
      this.undo!.push(UNDO_FREE, ptr, size, state)
    } else {
      this.undo!.push(UNDO_FREE_TAGGED, ptr, size, state)
      this.undoTags.push(tag)
    }
  }

  /** Claims [ptr, ptr + size) inside one free range as a block of used state `state`; throws InvalidArgumentError otherwise. */
  private claimAt (ptr: number, size: number, state: number): void {
    const store = this.store
    const node = ptr >= 0 && ptr < this.size ? store.seek(ptr) : NIL
    if (node === NIL || store.state[node] !== FREE || ptr + size > store.offsets[node]! + store.sizes[node]!) {
      throw new InvalidArgumentError('ptr', `[${ptr}, ${ptr + size}) is not inside one free range`)
    }
    this.split(node, ptr, size, state)
  }

  /** Turns free node `node` into [free padding][block at ptr, used state `state`][free remainder]. */
  private split (node: number, ptr: number, size: number, state: number): void {
    const store = this.store
    store.assertRoom(2)
    const start = store.offsets[node]!
    const end = start + store.sizes[node]!
    if (ptr === start && ptr + size < end) {
      // The common case, a block cut from the front of a range: the range keeps the rest, in place
      // in the index or filed again when its size moved it out of its bin.
      this.moveFree(node, ptr + size, end - ptr - size)
      const block = store.newNode(ptr, size, state)
      store.insertAfter(store.prev[node]!, block)
      if (state === RESERVED) this.counters.addUsed(size, 0)
      else this.addBlock(block, size)
      return
    }
    // Otherwise the range leaves the index: it keeps the padding before the block, or becomes the block (an exact fit).
    this.removeFree(node)
    let block = node
    if (ptr > start) {
      store.sizes[node] = ptr - start
      this.insertFree(node)
      block = store.newNode(ptr, size, state)
      store.insertAfter(node, block)
    } else {
      store.sizes[node] = size
      store.state[node] = state
    }
    if (ptr + size < end) {
      const rest = store.newNode(ptr + size, end - ptr - size, FREE)
      store.insertAfter(block, rest)
      this.insertFree(rest)
    }
    if (state === RESERVED) this.counters.addUsed(size, 0)
    else this.addBlock(block, size)
  }

  private addBlock (node: number, size: number): void {
    this.pointers.add(node)
    this.counters.addUsed(size, 1)
  }

  /** Frees block node x, merging it with its free neighbours. */
  private release (x: number): void {
    this.pointers.delete(x)
    this.counters.addUsed(-this.store.sizes[x]!, -1)
    this.mergeFree(x)
  }

  /** Node x, no longer counted as used, becomes free space, merged with its free neighbours. */
  private mergeFree (x: number): void {
    const store = this.store
    const size = store.sizes[x]!
    const right = store.next[x]!
    const left = store.prev[x]!
    const rightFree = right !== NIL && store.state[right] === FREE
    if (store.state[left] === FREE) {
      // The left range grows over x, and over the right range when that is free too.
      const total = size + (rightFree ? this.dropFree(right) : 0)
      store.unlink(x)
      this.moveFree(left, store.offsets[left]!, store.sizes[left]! + total)
    } else if (rightFree) {
      // The right range grows down over x.
      const offset = store.offsets[x]!
      store.unlink(x)
      this.moveFree(right, offset, size + store.sizes[right]!)
    } else {
      store.state[x] = FREE
      this.insertFree(x)
    }
  }

  /** Shrinks block x to `size` bytes, its tail going back to free space. */
  private shrink (x: number, size: number): void {
    const store = this.store
    store.assertRoom(1)
    const tail = store.sizes[x]! - size
    const tailStart = store.offsets[x]! + size
    store.sizes[x] = size
    this.counters.addUsed(-tail, 0)
    const right = store.next[x]!
    if (right !== NIL && store.state[right] === FREE) {
      this.moveFree(right, tailStart, store.sizes[right]! + tail)
    } else {
      const rest = store.newNode(tailStart, tail, FREE)
      store.insertAfter(x, rest)
      this.insertFree(rest)
    }
  }

  /** Grows block x to `size` bytes into its free right neighbour; false when that is not possible. */
  private growInPlace (x: number, size: number): boolean {
    const store = this.store
    const delta = size - store.sizes[x]!
    const right = store.next[x]!
    if (right === NIL || store.state[right] !== FREE || store.sizes[right]! < delta) return false
    if (store.sizes[right] === delta) this.dropFree(right)
    else this.moveFree(right, store.offsets[right]! + delta, store.sizes[right]! - delta)
    store.sizes[x] = size
    this.counters.addUsed(delta, 0)
    return true
  }

  /** Node of the live block at ptr, or throws InvalidPointerError with the reason. */
  private nodeOf (ptr: number): number {
    checkInteger('ptr', ptr)
    const node = this.pointers.get(ptr)
    if (node !== NIL) return node
    // Why ptr is no live block's: out of bounds, or inside a free range or a block.
    if (ptr < 0 || ptr >= this.size) throw new InvalidPointerError(ptr, 'out-of-bounds')
    const container = this.store.seek(ptr)
    // A reservation is no block: to the caller its range is free space not yet allocated.
    if (this.store.state[container] === FREE || this.store.state[container] === RESERVED) throw new InvalidPointerError(ptr, 'free')
    throw new InvalidPointerError(ptr, 'interior', this.store.offsets[container])
  }

  /** Moves free node `node` to [offset, offset + size) in place when the index allows it; false (nothing changed) otherwise. */
  private resizeFree (node: number, offset: number, size: number): boolean {
    const store = this.store
    if (!this.index.resizeInPlace(node, size)) return false
    this.counters.resizeFree(store.sizes[node]!, size)
    store.offsets[node] = offset
    store.sizes[node] = size
    return true
  }

  /** Gives free node `node` the extent [offset, offset + size): in place when it can, else out of the index and back in. */
  private moveFree (node: number, offset: number, size: number): void {
    if (this.resizeFree(node, offset, size)) return
    const store = this.store
    // Still one range: counted as a resize (one exact product), filed again under its new size.
    this.counters.resizeFree(store.sizes[node]!, size)
    this.index.remove(node)
    store.offsets[node] = offset
    store.sizes[node] = size
    this.index.insert(node)
  }

  /** Takes free node `node` out of the index and the address order; returns its size. */
  private dropFree (node: number): number {
    const size = this.store.sizes[node]!
    this.removeFree(node)
    this.store.unlink(node)
    return size
  }

  private insertFree (node: number): void {
    this.index.insert(node)
    this.counters.addFree(this.store.sizes[node]!)
  }

  private removeFree (node: number): void {
    this.index.remove(node)
    this.counters.removeFree(this.store.sizes[node]!)
  }

  /** Undoes log entries back to `mark`, newest first. Each inverse fits the layout it meets. */
  private rollback (log: number[], mark: number): void {
    while (log.length > mark) {
      const state = log.pop()!
      const size = log.pop()!
      const ptr = log.pop()!
      const kind = log.pop()!
      if (kind === UNDO_ALLOC) {
        this.release(this.pointers.get(ptr))
        this.tags.delete(ptr)
      } else if (kind === UNDO_FREE) {
        this.claimAt(ptr, size, state)
      } else if (kind === UNDO_FREE_TAGGED) {
        this.claimAt(ptr, size, state)
        this.tags.set(ptr, this.undoTags.pop()!)
      } else if (kind === UNDO_RESERVE) {
        this.counters.addUsed(-size, 0)
        this.mergeFree(this.store.seek(ptr))
      } else if (kind === UNDO_UNRESERVE) {
        this.claimAt(ptr, size, RESERVED)
      } else if (kind === UNDO_ADOPT) {
        const node = this.pointers.get(ptr)
        this.pointers.delete(node)
        this.counters.addUsed(0, -1)
        this.tags.delete(ptr)
        this.store.state[node] = RESERVED
      } else if (kind === UNDO_RESIZE) {
        const node = this.pointers.get(ptr)
        if (size < this.store.sizes[node]!) this.shrink(node, size)
        else this.growInPlace(node, size)
      }
    }
  }
}
