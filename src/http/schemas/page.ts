/** Cursor paging: `?limit=&cursor=` in, `{items, nextCursor}` out. */
import { z } from 'zod'
import { decodeCursor } from '../../registry/cursor.js'
import { decimal } from './common.js'

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

/** The query of a paged list; `limit` is bounded by the configured maximum page size. */
export function pageQueryShape (maxPageSize: number, defaultPageSize: number) {
  return {
    limit: decimal('limit')
      .pipe(z.int().min(1, 'limit must be at least 1').max(maxPageSize, `limit must be at most ${maxPageSize}`))
      .optional()
      .meta({ description: `Items per page, 1 to ${maxPageSize}; ${defaultPageSize} when omitted.` }),
    cursor: Cursor.optional()
  }
}

export function pageOf<T extends z.ZodType> (item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' })
  })
}
