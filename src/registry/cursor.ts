/**
 * Page cursors: an integer position (a pointer, an offset or a creation sequence number) wrapped in
 * base64url so clients treat it as opaque and do not build their own. A cursor names the first item
 * of the next page, so it stays valid when items before or at it are deleted.
 */

export function encodeCursor (position: number): string {
  return Buffer.from(String(position), 'latin1').toString('base64url')
}

/** The position inside `cursor`, or undefined when it is not a cursor this service produced. */
export function decodeCursor (cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) return undefined
  const text = Buffer.from(cursor, 'base64url').toString('latin1')
  if (!/^(0|[1-9]\d*)$/.test(text)) return undefined
  const position = Number(text)
  return Number.isSafeInteger(position) ? position : undefined
}

export interface Page<T> {
  items: T[]
  /** Position of the first item of the next page; null at the end. */
  next: number | null
}
