/** Cursor paging: `?limit=&cursor=` in, `{items, nextCursor}` out. */
import { z } from 'zod'
import { decodeCursor } from '../../registry/cursor.js'
import type { Limits } from '../../config.js'
import { QuotaExceededError } from '../../registry/errors.js'

export const Cursor = z.string()
  .transform((cursor, ctx) => {
    const position = decodeCursor(cursor)
    if (position === undefined) {
      ctx.issues.push({ code: 'custom', message: 'cursor is not one this service issued: pass nextCursor back unchanged', input: cursor })
      return z.NEVER
    }
    return position
  })
  .meta({ description: 'The `nextCursor` of the previous page, unchanged.' })

/**
 * The query of a paged list. `limit` is any decimal integer >= 1 here: one above the configured
 * maximum is well formed but over a quota, so `pageSize` refuses it with 429 quota-exceeded
 * (like every other limit) rather than the schema with 400.
 */
export function pageQueryShape (maxPageSize: number, defaultPageSize: number) {
  return {
    limit: z.string()
      .regex(/^(0|[1-9][0-9]*)$/, 'limit must be a non-negative decimal integer')
      // Digits beyond a double's range parse as Infinity, which zod refuses: they are just "too many".
      .transform((digits) => Math.min(Number(digits), Number.MAX_VALUE))
      .pipe(z.number().min(1, 'limit must be at least 1'))
      .optional()
      .meta({ description: `Items per page, 1 to ${maxPageSize} (HEAPD_MAX_PAGE_SIZE); ${defaultPageSize} when omitted. ` +
        'A larger limit answers 429 quota-exceeded with `limit: "maxPageSize"`.' }),
    cursor: Cursor.optional()
  }
}

/** The items a page holds: the query's `limit`, or the default; above maxPageSize, a quota refusal. */
export function pageSize (limit: number | undefined, { maxPageSize, defaultPageSize }: Pick<Limits, 'maxPageSize' | 'defaultPageSize'>): number {
  if (limit === undefined) return defaultPageSize
  if (limit > maxPageSize) {
    const asked = Number.isSafeInteger(limit) ? `a page of ${limit} items` : 'the page asked for'
    throw new QuotaExceededError('maxPageSize', maxPageSize, `${asked} is larger than allowed`)
  }
  return limit
}

export function pageOf<T extends z.ZodType> (item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' })
  })
}
