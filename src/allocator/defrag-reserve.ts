/**
 * The life of a defragmentation plan's moves in a heap: reserve() claims each destination,
 * commitMoves() turns each reservation into its block (the source range freed), and
 * releaseReservations() gives the destinations back (an aborted plan).
 *
 * Each call checks every move first and changes nothing when one is wrong; the changes then run
 * inside atomically(), so that they are all-or-nothing even if the store cannot grow, and an
 * enclosing atomically() undoes them like any other change. Cost: O(k log k + k log n) for k moves
 * (a sort for the overlap test, a seek per destination).
 */
import type { HeapAllocator } from './allocator.js'
import { InvalidArgumentError } from './errors.js'
import { FREE, NIL } from './segments.js'
import type { DefragMove } from './types.js'
import { checkInteger, checkSize } from './validate.js'

/** Claims every destination of `moves`: see Allocator.reserve. */
export function reserveMoves (heap: HeapAllocator, moves: readonly DefragMove[]): void {
  checkMoves(moves)
  const { store, pointers } = heap
  const sources = new Set<number>()
  for (const [i, move] of moves.entries()) {
    const node = pointers.get(move.ptr)
    if (node === NIL) throw new InvalidArgumentError(`moves[${i}].ptr`, `${move.ptr} is not the start of a live block`)
    if (store.sizes[node] !== move.size) throw new InvalidArgumentError(`moves[${i}].size`, `the block at ${move.ptr} holds ${store.sizes[node]!} bytes, not ${move.size}`)
    if (sources.has(move.ptr)) throw new InvalidArgumentError(`moves[${i}].ptr`, `block ${move.ptr} is moved twice`)
    sources.add(move.ptr)
    checkAligned(heap, node, move, i)
  }
  const order = moves.map((_, i) => i).sort((a, b) => moves[a]!.newPtr - moves[b]!.newPtr)
  let end = -Infinity
  for (const i of order) {
    const { newPtr, size } = moves[i]!
    if (newPtr < end) throw new InvalidArgumentError(`moves[${i}].newPtr`, `[${newPtr}, ${newPtr + size}) overlaps another move's destination`)
    end = newPtr + size
    const node = newPtr >= 0 && newPtr < heap.size ? store.seek(newPtr) : NIL
    if (node === NIL || store.state[node] !== FREE || end > store.offsets[node]! + store.sizes[node]!) {
      throw new InvalidArgumentError(`moves[${i}].newPtr`, `[${newPtr}, ${end}) is not inside one free range`)
    }
  }
  heap.atomically(() => {
    for (const i of order) heap.claimReservation(moves[i]!.newPtr, moves[i]!.size)
  })
}

/** Moves every block of `moves` not in `skipped` to its reserved destination: see Allocator.commitMoves. */
export function commitMoves (heap: HeapAllocator, moves: readonly DefragMove[], skipped: ReadonlySet<number> = new Set()): void {
  checkMoves(moves)
  if (!(skipped instanceof Set)) throw new InvalidArgumentError('skipped', 'must be a Set of source pointers')
  const { store, pointers } = heap
  const destinations = reservationsOf(heap, moves)
  const sources: number[] = []
  const moving = new Set<number>()
  const named = new Set<number>()
  for (const [i, move] of moves.entries()) {
    named.add(move.ptr)
    if (skipped.has(move.ptr)) {
      sources.push(NIL)
      continue
    }
    const node = pointers.get(move.ptr)
    if (node === NIL || store.sizes[node] !== move.size) {
      throw new InvalidArgumentError(`moves[${i}].ptr`, `${move.ptr} is not the start of a live block of ${move.size} bytes`)
    }
    if (moving.has(node)) throw new InvalidArgumentError(`moves[${i}].ptr`, `block ${move.ptr} is moved twice`)
    moving.add(node)
    checkAligned(heap, node, move, i)
    sources.push(node)
  }
  for (const ptr of skipped) {
    if (!named.has(ptr)) throw new InvalidArgumentError('skipped', `${String(ptr)} is the source of no move`)
  }
  heap.atomically(() => {
    for (const [i, destination] of destinations.entries()) {
      const source = sources[i]!
      if (source === NIL) {
        heap.releaseReservation(destination)
        continue
      }
      const ptr = store.offsets[source]!
      heap.adoptReservation(destination, store.state[source]!, heap.tags.size === 0 ? undefined : heap.tags.get(ptr))
      heap.vacate(source)
    }
  })
}

/** Releases every destination of `moves`: see Allocator.releaseReservations. */
export function releaseReservations (heap: HeapAllocator, moves: readonly DefragMove[]): void {
  checkMoves(moves)
  const destinations = reservationsOf(heap, moves)
  heap.atomically(() => {
    for (const node of destinations) heap.releaseReservation(node)
  })
}

/** The reservation node of each move's destination; throws when one is not exactly reserved or two moves share one. */
function reservationsOf (heap: HeapAllocator, moves: readonly DefragMove[]): number[] {
  const seen = new Set<number>()
  return moves.map((move, i) => {
    const node = heap.reservationAt(move.newPtr, move.size)
    if (node === NIL) throw new InvalidArgumentError(`moves[${i}].newPtr`, `[${move.newPtr}, ${move.newPtr + move.size}) is not a reservation`)
    if (seen.has(node)) throw new InvalidArgumentError(`moves[${i}].newPtr`, `${move.newPtr} is the destination of two moves`)
    seen.add(node)
    return node
  })
}

/** newPtr must keep the block's alignment (its requested one and the heap's). */
function checkAligned (heap: HeapAllocator, node: number, move: DefragMove, i: number): void {
  const align = heap.alignmentOf(heap.store.state[node]!)
  if (move.newPtr % align !== 0) throw new InvalidArgumentError(`moves[${i}].newPtr`, `${move.newPtr} is not a multiple of the block's alignment ${align}`)
}

function checkMoves (moves: readonly DefragMove[]): void {
  if (!Array.isArray(moves)) throw new InvalidArgumentError('moves', 'must be an array')
  for (const [i, move] of moves.entries()) {
    if (typeof move !== 'object' || move === null) throw new InvalidArgumentError(`moves[${i}]`, 'must be a move')
    checkInteger(`moves[${i}].ptr`, move.ptr)
    checkInteger(`moves[${i}].newPtr`, move.newPtr)
    checkSize(`moves[${i}].size`, move.size)
  }
}
