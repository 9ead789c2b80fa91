/**
 * The checks a SQLite file passes before the service starts from it. A file that fails one stops
 * the start with StoreDamagedError, one sentence naming the file and the fault: the service never
 * starts with part of its heaps.
 *
 * The file: SQLite's quick_check (every page and index readable and consistent), a schema version
 * this program knows, and the tables that version has. A missing or 0-byte file is a new, empty
 * store (SQLite treats both alike); a file with tables but no version is damage.
 *
 * Each heap: its description is the one in its columns; its blocks lie inside the heap, in address
 * order, without overlap, each aligned as asked; and their count and total size equal the live
 * blocks and used bytes recorded with its counters in the same transaction, so a lost or extra
 * block row is seen. (A tlsf journal that does not replay to the blocks is not damage: the blocks
 * are the authority, see rebuild.ts.)
 */
import type Database from 'better-sqlite3'
import { STRATEGIES, type Block, type Strategy } from '../../../allocator/types.js'
import type { HeapDescription } from '../../events.js'
import { StoreDamagedError } from '../errors.js'
import type { StoredHeap } from '../store.js'
import { READABLE_VERSIONS, SCHEMA_VERSION, tablesOf } from './schema.js'

export interface HeapRow {
  id: string
  seq: number
  size: number
  strategy: string
  alignment: number
  description: string
  allocs: number
  frees: number
  reallocs: number
  failed_allocs: number
  peak_used: number
  peak_live_blocks: number
  live_blocks: number
  used: number
  generation: number
}

export interface BlockRow { ptr: number, size: number, align: number | null, tag: string | null }

/** Checks the file as a whole; answers its schema version. */
export function checkFile (db: Database.Database, file: string): number {
  const problems = (db.pragma('quick_check(5)') as Array<{ quick_check: string }>).map((row) => row.quick_check)
  if (problems.length !== 1 || problems[0] !== 'ok') throw new StoreDamagedError(file, `SQLite's quick_check reports: ${problems.join('; ')}`)
  const version = db.pragma('user_version', { simple: true }) as number
  if (!READABLE_VERSIONS.includes(version)) {
    throw new StoreDamagedError(file, `schema version ${version} is not one this program reads (at most ${SCHEMA_VERSION}): written by a newer heapd?`)
  }
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
  if (version === 0 && tables.size > 0) throw new StoreDamagedError(file, `it has tables (${[...tables].join(', ')}) but no schema version`)
  for (const table of tablesOf(version)) {
    if (!tables.has(table)) throw new StoreDamagedError(file, `table ${table} is missing`)
  }
  return version
}

/** Checks one heap's row and blocks; answers them as a StoredHeap. */
export function checkHeap (file: string, row: HeapRow, rows: readonly BlockRow[]): StoredHeap {
  const fail = (problem: string): never => { throw new StoreDamagedError(file, `heap ${row.id}: ${problem}`) }
  let description: HeapDescription
  try {
    description = JSON.parse(row.description) as HeapDescription
  } catch {
    return fail('its description is not JSON')
  }
  if (description.id !== row.id || description.size !== row.size || description.strategy !== row.strategy || description.alignment !== row.alignment) {
    fail('its description differs from its columns')
  }
  if (!Number.isSafeInteger(row.size) || row.size < 1) fail(`size ${row.size} is not a positive safe integer`)
  if (!STRATEGIES.includes(row.strategy as Strategy)) fail(`unknown strategy ${row.strategy}`)
  if (!isPowerOfTwo(row.alignment)) fail(`alignment ${row.alignment} is not a power of two`)

  const blocks: Block[] = []
  let end = 0
  let used = 0
  for (const { ptr, size, align, tag } of rows) {
    if (!Number.isSafeInteger(ptr) || !Number.isSafeInteger(size) || size < 1) fail(`the block at ${ptr} has size ${size}`)
    if (ptr < end) fail(`the block at ${ptr} overlaps the one before it`)
    if (ptr + size > row.size) fail(`the block at ${ptr} (${size} bytes) ends beyond the heap's ${row.size} bytes`)
    if (align !== null && !isPowerOfTwo(align)) fail(`the block at ${ptr} asks for alignment ${align}`)
    if (ptr % Math.max(row.alignment, align ?? 1) !== 0) fail(`the block at ${ptr} is not aligned as it asked`)
    const block: Block = { ptr, size }
    if (align !== null) block.align = align
    if (tag !== null) block.tag = tag
    blocks.push(block)
    end = ptr + size
    used += size
  }
  if (blocks.length !== row.live_blocks) fail(`${blocks.length} block rows, but its counters record ${row.live_blocks} live blocks`)
  if (used !== row.used) fail(`its blocks hold ${used} bytes, but its counters record ${row.used}`)
  return {
    description,
    seq: row.seq,
    blocks,
    counters: {
      allocs: row.allocs,
      frees: row.frees,
      reallocs: row.reallocs,
      failedAllocs: row.failed_allocs,
      peakUsed: row.peak_used,
      peakLiveBlocks: row.peak_live_blocks
    }
  }
}

function isPowerOfTwo (value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1 && 2 ** Math.round(Math.log2(value)) === value
}
