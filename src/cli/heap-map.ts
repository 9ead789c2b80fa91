/**
 * A heap drawn in the terminal: one cell per bucket of the heap's occupancy, row after row, each
 * row labelled with its first offset, and a legend. The shade of a cell is how full its bucket is.
 */
import type { Heap, Occupancy } from '../client/index.js'
import { formatBytes, formatRatio } from './units.js'

/** From empty to full; a cell shows the shade its used fraction reaches. */
const SHADES = [
  { char: '·', label: 'free' },
  { char: '░', label: 'under 1/3 used' },
  { char: '▒', label: 'under 2/3' },
  { char: '▓', label: 'partly' },
  { char: '█', label: 'used' }
] as const

export function shade (used: number, size: number): string {
  if (used === 0) return SHADES[0].char
  if (used >= size) return SHADES[4].char
  const fraction = used / size
  return fraction < 1 / 3 ? SHADES[1].char : fraction < 2 / 3 ? SHADES[2].char : SHADES[3].char
}

/** The widest offset label formatBytes writes (`1023.99 MiB`). */
const LABEL_WIDTH = 11

/** How many buckets fill a map of `columns` by `rows` characters, labels and rule included. */
export function cellsFor (columns: number, rows: number): { perRow: number, cells: number } {
  const perRow = Math.max(8, columns - LABEL_WIDTH - 2)
  return { perRow, cells: perRow * Math.max(1, rows) }
}

export function drawMap (heap: Heap, occupancy: Occupancy, perRow: number): string {
  const { stats } = heap
  const lines = [
    `heap ${heap.id}${heap.name !== undefined ? ` (${heap.name})` : ''}: ${heap.strategy}, ${formatBytes(heap.size)}, ` +
      `${stats.liveBlocks} blocks, ${formatBytes(stats.used)} used (${formatRatio(stats.used / heap.size)}), ` +
      `largest free ${formatBytes(stats.largestFree)}, fragmentation ${formatRatio(stats.fragmentation)}`
  ]
  for (let start = 0; start < occupancy.buckets.length; start += perRow) {
    const row = occupancy.buckets.slice(start, start + perRow)
    lines.push(`${formatBytes(row[0]!.offset).padStart(LABEL_WIDTH)} │${row.map((bucket) => shade(bucket.used, bucket.size)).join('')}`)
  }
  lines.push(`each cell ${formatBytes(occupancy.bucketSize)}; ` + SHADES.map(({ char, label }) => `${char} ${label}`).join('  '))
  return lines.join('\n') + '\n'
}
