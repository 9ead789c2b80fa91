/**
 * The naive design heapd replaces, written plainly as the reference model: free ranges in an
 * array sorted by offset, scanned from the start (first fit), the chosen range split with the
 * block at its (aligned) start; on every free the range is pushed back, the array re-sorted and
 * adjacent ranges merged. O(n) per alloc, O(n log n) per free. Tests compare first-fit against
 * it pointer for pointer; the benchmark runs it as the baseline.
 */

interface Range { offset: number, size: number }

export class NaiveAllocator {
  readonly freeList: Range[]
  readonly used = new Map<number, number>()

  constructor (readonly size: number) {
    this.freeList = [{ offset: 0, size }]
  }

  /** Pointer of the new block, or -1 when no free range fits. */
  alloc (size: number, align = 1): number {
    for (let i = 0; i < this.freeList.length; i++) {
      const range = this.freeList[i]!
      const ptr = Math.ceil(range.offset / align) * align
      const end = range.offset + range.size
      if (ptr + size > end) continue
      const pieces: Range[] = []
      if (ptr > range.offset) pieces.push({ offset: range.offset, size: ptr - range.offset })
      if (ptr + size < end) pieces.push({ offset: ptr + size, size: end - ptr - size })
      this.freeList.splice(i, 1, ...pieces)
      this.used.set(ptr, size)
      return ptr
    }
    return -1
  }

  /** Frees the block at `ptr`; false when there is none. */
  free (ptr: number): boolean {
    const size = this.used.get(ptr)
    if (size === undefined) return false
    this.used.delete(ptr)
    this.freeList.push({ offset: ptr, size })
    this.freeList.sort((a, b) => a.offset - b.offset)
    for (let i = 0; i + 1 < this.freeList.length;) {
      const a = this.freeList[i]!
      const b = this.freeList[i + 1]!
      if (a.offset + a.size === b.offset) {
        a.size += b.size
        this.freeList.splice(i + 1, 1)
      } else {
        i++
      }
    }
    return true
  }

  freeBytes (): number {
    return this.freeList.reduce((sum, r) => sum + r.size, 0)
  }

  largestFree (): number {
    return this.freeList.reduce((max, r) => Math.max(max, r.size), 0)
  }
}
