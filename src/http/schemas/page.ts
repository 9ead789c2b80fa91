/** Cursor paging: `?limit=&cursor=` in, `{items, nextCursor}` out. */
import { z } from 'zod'
import { decodeCursor } from '../../registry/cursor.js'
import type { Limits } from '../../config.js'

export const Cursor = z.string()
  .transform((cursor, ctx) => {
    const position = decodeCursor(cursor)
    if (position === undefined) {
      ctx.issues.push({ code: 'custom', message: 'is not one this service issued: pass nextCursor back unchanged', input: cursor })
      return z.NEVER
    }
    return position
  })
  .meta({ description: 'The `nextCursor` of the previous page, unchanged.' })

/**
 * The query of a paged list. A `limit` above the configured maximum is a validation error naming
 * the maximum: the client asked for something this server never serves, not something it can
 * wait for.
 */
export function pageQueryShape (maxPageSize: number, defaultPageSize: number) {
  return {
    limit: z.string()
      .regex(/^(0|[1-9][0-9]*)$/, 'must be a non-negative decimal integer')
      // Digits beyond a double's range parse as Infinity, which zod refuses as "not a number": they are just too many.
      .transform((digits) => Math.min(Number(digits), Number.MAX_VALUE))
      .pipe(z.number().min(1).max(maxPageSize, `must be at most ${maxPageSize} (HEAPD_MAX_PAGE_SIZE)`))
      .optional()
      .meta({ description: `Items per page, 1 to ${maxPageSize} (HEAPD_MAX_PAGE_SIZE); ${defaultPageSize} when omitted.` }),
    cursor: Cursor.optional()
  }
}

/** The items a page holds: the query's `limit`, or the default. */
export function pageSize (limit: number | undefined, { defaultPageSize }: Pick<Limits, 'defaultPageSize'>): number {
  return limit ?? defaultPageSize
}

export function pageOf<T extends z.ZodType> (item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' })
  })
}
