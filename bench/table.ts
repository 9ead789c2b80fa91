/** Markdown-style tables and number formats for benchmark output (stdout only). */

export type Cell = string | number

/** Prints a markdown table: the first column (names) left-aligned, the figures right-aligned. */
export function printTable (title: string, headers: string[], rows: Cell[][], notes: string[] = []): void {
  const text = rows.map((row) => headers.map((_, i) => String(row[i] ?? '')))
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]!.length)))
  const numeric = headers.map((_, i) => i > 0)
  const pad = (cell: string, i: number): string => numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => numeric[i] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w)).join(' | ')} |`
  console.log(`\n### ${title}\n`)
  console.log(line(headers))
  console.log(rule)
  for (const row of text) console.log(line(row))
  for (const note of notes) console.log(`\n${note}`)
}

/** 12345678 -> "12,345,678". */
export function int (n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Operations per second in millions, e.g. "8.41 M". */
export function mops (opsPerSecond: number): string {
  if (opsPerSecond >= 1e6) return `${(opsPerSecond / 1e6).toFixed(2)} M`
  if (opsPerSecond >= 1e3) return `${(opsPerSecond / 1e3).toFixed(1)} k`
  return opsPerSecond.toFixed(0)
}

/** A fraction as a percentage with two decimals: 0.1234 -> "12.34 %". */
export function percent (fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`
}

export function ratio (x: number): string {
  return x >= 100 ? `${x.toFixed(0)}×` : `${x.toFixed(1)}×`
}

export function mib (bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`
}
