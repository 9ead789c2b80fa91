/**
 * check(): every invariant of a heap, verified from scratch in O(n) (plus one index query per
 * free range). For tests and debugging; throws an Error naming the first violation.
 */
import type { HeapAllocator } from './allocator.js'
import { FREE, HEAD, NIL, RESERVED } from './segments.js'

export function checkHeap (heap: HeapAllocator): void {
  const { store, index, pointers, counters, size } = heap
  const fail = (message: string): never => { throw new Error(`heap check: ${message}`) }

  // Segments tile [0, size) in address order, linked both ways, no two free ranges touching;
  // reservations count as used bytes but are no blocks.
  let expected = 0
  let used = 0
  let free = 0
  let blocks = 0
  let ranges = 0
  let largest = 0
  let squares = 0
  let previousFree = false
  const freeNodes: number[] = []
  for (let x = store.next[HEAD]!, p = HEAD; x !== NIL; p = x, x = store.next[x]!) {
    const offset = store.offsets[x]!
    const length = store.sizes[x]!
    if (store.prev[x] !== p) fail(`node ${x} at ${offset}: prev link broken`)
    if (offset !== expected) fail(`segment at ${offset}, expected ${expected} (gap or overlap)`)
    if (!Number.isSafeInteger(length) || length < 1) fail(`segment at ${offset} has size ${length}`)
    expected = offset + length
    const isFree = store.state[x] === FREE
    if (isFree) {
      if (previousFree) fail(`free ranges touch at ${offset}`)
      free += length
      ranges++
      largest = Math.max(largest, length)
      squares += length * length
      freeNodes.push(x)
    } else if (store.state[x] === RESERVED) {
      // A reservation: used bytes, no block, so no pointer map entry and no tag.
      used += length
      if (pointers.get(offset) !== NIL) fail(`reservation at ${offset} is in the pointer map`)
      if (heap.tags.has(offset)) fail(`reservation at ${offset} has a tag`)
    } else {
      used += length
      blocks++
      if (pointers.get(offset) !== x) fail(`block at ${offset} missing from the pointer map`)
    }
    previousFree = isFree
  }
  if (expected !== size) fail(`segments end at ${expected}, heap size is ${size}`)

  // Counters match the layout.
  if (used + free !== size) fail(`used ${used} + free ${free} != size ${size}`)
  const c = counters
  if (c.used !== used || c.free !== free) fail(`counters used/free ${c.used}/${c.free}, layout ${used}/${free}`)
  if (c.liveBlocks !== blocks || c.freeRanges !== ranges) fail(`counters blocks/ranges ${c.liveBlocks}/${c.freeRanges}, layout ${blocks}/${ranges}`)
  if (c.peakUsed < used || c.peakLiveBlocks < blocks) fail('a peak is below the current value')
  if (Math.abs(c.sumOfSquares() - squares) > 1e-9 * squares + 1e-6) fail(`sum of squares ${c.sumOfSquares()}, layout ${squares}`)

  // The pointer map holds exactly the live blocks.
  if (pointers.count !== blocks) fail(`pointer map holds ${pointers.count} entries, ${blocks} blocks live`)
  for (const node of pointers.nodes()) {
    if (store.state[node] === FREE || store.state[node] === RESERVED) fail(`pointer map holds node ${node}, which is no block`)
  }

  // Tags belong to live blocks.
  for (const ptr of heap.tags.keys()) {
    if (pointers.get(ptr) === NIL) fail(`tag kept for ${ptr}, which is no live block`)
  }

  // The index knows exactly the free ranges: its largest, and a live free range for each size asked.
  if (index.largest() !== largest) fail(`index largest ${index.largest()}, layout ${largest}`)
  if (index.find(largest + 1, 1) !== NIL) fail(`index finds a range for ${largest + 1} bytes`)
  for (const x of freeNodes) {
    const found = index.find(store.sizes[x]!, 1)
    if (found === NIL || store.state[found] !== FREE || store.sizes[found]! < store.sizes[x]!) {
      fail(`index answers node ${found} for ${store.sizes[x]!} bytes`)
    }
  }

  // An index that keeps an order (snapshots) lists exactly the free ranges, each once.
  const order = index.order?.()
  if (order !== undefined) {
    const listed = new Set(order)
    if (listed.size !== order.length) fail('the index order lists a free range twice')
    if (listed.size !== freeNodes.length || freeNodes.some(x => !listed.has(x))) fail(`the index order lists ${order.length} nodes, ${freeNodes.length} ranges are free`)
  }

  // Every express lane of the skip list is ordered, doubly linked and holds exactly the nodes of its level.
  for (let k = 1; k <= store.levels; k++) {
    let members = 0
    for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!) if (store.levelOf(x) >= k) members++
    let seen = 0
    for (let x = store.nextAt(HEAD, k), p = HEAD; x !== NIL; p = x, x = store.nextAt(x, k)) {
      if (store.levelOf(x) < k) fail(`node ${x} of level ${store.levelOf(x)} on lane ${k}`)
      if (store.prevAt(x, k) !== p) fail(`lane ${k}: prev link of node ${x} broken`)
      if (store.offsets[x]! <= store.offsets[p]!) fail(`lane ${k}: out of order at ${store.offsets[x]!}`)
      seen++
    }
    if (seen !== members) fail(`lane ${k} holds ${seen} nodes, ${members} have that level`)
  }
}
