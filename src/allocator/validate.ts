/** Argument checks shared by the allocator's public methods; each throws InvalidArgumentError. */
import { InvalidArgumentError } from './errors.js'
import { MAX_ALIGNMENT } from './types.js'

/** The error for a value that is no size. */
export function notASize (name: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(name, `must be a safe integer >= 1, got ${String(value)}`)
}

/** A size: a safe integer >= 1. */
export function isSize (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
}

export function checkSize (name: string, value: unknown): number {
  if (!isSize(value)) throw notASize(name, value)
  return value
}

/** An alignment: a power of two <= 2^30. */
export function checkAlignment (name: string, value: unknown): number {
  // Below 2^31 a power of two is an integer with one bit set: bit tricks are exact there.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ALIGNMENT || (value & (value - 1)) !== 0) {
    throw new InvalidArgumentError(name, `must be a power of two <= 2^30, got ${String(value)}`)
  }
  return value
}

/** A pointer or offset: any safe integer (out-of-bounds ones are classified by the caller). */
export function checkInteger (name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(name, `must be a safe integer, got ${String(value)}`)
  }
  return value
}

/** A block's tag: any string (the service bounds its length). */
export function checkTag (name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(name, `must be a string, got ${typeof value}`)
  return value
}

/** log2 of a power of two up to 2^30. */
export function log2 (align: number): number {
  return 31 - Math.clz32(align)
}
