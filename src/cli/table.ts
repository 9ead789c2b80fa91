/** Human output: aligned tables and `key: value` listings. Numbers are right-aligned. */

type Cell = string | number | boolean | null | undefined

export function table (headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => cell === undefined || cell === null ? '' : String(cell)))
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number' || row[column] === undefined))
  const widths = headers.map((header, column) => Math.max(header.length, ...text.map((row) => row[column]!.length)))
  const line = (cells: string[]): string =>
    cells.map((cell, column) => numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)).join('  ').trimEnd()
  return [line(headers), ...text.map(line)].join('\n') + '\n'
}

export function listing (entries: Array<[string, Cell]>): string {
  const shown = entries.filter(([, value]) => value !== undefined && value !== null)
  const width = Math.max(...shown.map(([key]) => key.length))
  return shown.map(([key, value]) => `${`${key}:`.padEnd(width + 1)}  ${String(value)}`).join('\n') + '\n'
}
