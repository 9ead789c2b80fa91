/**
 * Building blocks shared by the route schemas. JSON bodies are strict: numbers must be JSON
 * numbers (`"10"` is not a size) and unknown fields are rejected. Path and query parameters are
 * strings by nature, so integers there are decimal strings checked by a pattern, then converted.
 */
import { z } from 'zod'
import { MAX_ALIGNMENT, STRATEGIES } from '../../allocator/types.js'

/** A size in bytes: a safe integer >= 1. */
export const Size = z.int().min(1)

/**
 * The size of a block asked for: any integer >= 1. One beyond the safe integers is larger than
 * any heap (heaps end at 2^53 - 1), which the allocator answers as exceeds-heap-size, not a
 * malformed request.
 */
export const RequestedSize = z.number().min(1).refine(Number.isInteger, 'must be an integer').meta({ type: 'integer' })

/** An offset into a heap: a safe integer >= 0. */
export const Offset = z.int().min(0)

export const Alignment = z.int().min(1).max(MAX_ALIGNMENT)
  .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
  .meta({ description: 'A power of two up to 2^30.', examples: [16] })

export const Strategy = z.enum(STRATEGIES).meta({
  description: 'Placement policy: `first-fit` (lowest address), `best-fit` (smallest range that fits), `tlsf` (O(1) segregated fit).'
})

/**
 * Text a client gives (names, tags): stored and answered exactly as sent, so it must be
 * well-formed Unicode. A lone surrogate (JSON allows "\ud800") has no UTF-8 form: it would come
 * back from the data file as U+FFFD, so it is refused instead.
 */
export function text (maxLength: number) {
  // With the u flag, a surrogate pair is one code point: the class matches lone surrogates only.
  return z.string().min(1).max(maxLength).refine((value) => !/\p{Surrogate}/u.test(value), 'must be well-formed Unicode (it holds a lone surrogate)')
}

/** A block's tag, at most `maxLength` UTF-16 code units (HEAPD_MAX_TAG_LENGTH). */
export function tag (maxLength: number) {
  return text(maxLength).meta({ description: `A label of your choice for the block, 1 to ${maxLength} characters.`, examples: ['texture'] })
}

/** A non-negative decimal integer in a path or query string, converted to a number. */
export function decimal () {
  return z.string()
    .regex(/^(0|[1-9][0-9]*)$/, 'must be a non-negative decimal integer')
    .transform(Number)
    .pipe(z.int().min(0))
}

export const HeapId = z.string().min(1).max(64).meta({ description: 'The heap ID returned by POST /heaps.', examples: ['3q2-7wAAAAD8tYc0QmH1Kg'] })

export const HeapParams = z.strictObject({ id: HeapId })

export const BlockParams = z.strictObject({
  id: HeapId,
  ptr: decimal().meta({ description: 'The block\'s pointer (offset in the heap), in decimal.', examples: ['0'] })
})
