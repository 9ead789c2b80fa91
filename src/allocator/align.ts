/**
 * Alignment arithmetic for offsets up to 2^53. Dividing by a power of two is exact in
 * binary floating point, so ceil/floor of the quotient never rounds: no `| 0`, no 32-bit limit.
 */

export function isPowerOfTwo (n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n
}

export function alignUp (offset: number, align: number): number {
  return align === 1 ? offset : Math.ceil(offset / align) * align
}

/** Whether a block of `size` aligned to `align` fits in the free range [offset, offset + rangeSize). */
export function fitsIn (offset: number, rangeSize: number, size: number, align: number): boolean {
  return alignUp(offset, align) + size <= offset + rangeSize
}
