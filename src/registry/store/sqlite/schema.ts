/**
 * The SQLite schema of a durable registry (HEAPD_DATA).
 *
 * heaps   one row per live heap: its description, its place in creation order (seq), the
 *         allocator's history counters and its live blocks and used bytes as of the last recorded
 *         change (checked against the blocks at start), and its block generation.
 * blocks  every live block: the exact layout, plus each block's requested alignment and tag. Only
 *         the rows of the heap's current generation are its blocks: a reset moves the heap to a
 *         new generation and a delete drops the heap row, in O(1), and the rows left behind are
 *         deleted later in bounded slices (cleanup.ts), as listed in `obsolete`.
 * ops     tlsf heaps only: the history since the heap's snapshot (or since it was last empty), to
 *         replay on start (see rebuild.ts for why tlsf needs history and the other strategies do
 *         not).
 * snapshots  tlsf heaps only, at most one per heap: its blocks (with alignment) and free order as
 *         of op row `through_op` (snapshots.ts says when). Only the heap's ops after that row are
 *         its journal; the rows before it are left to the cleanup, and row `through_op` itself stays
 *         while the snapshot does, so that SQLite, which numbers a new row one past the largest,
 *         never numbers one at or below it. A snapshot with no blocks is the empty heap (a reset).
 * obsolete   rows the cleanup still has to delete: blocks of `heap_id` older than generation
 *         `before_generation`, and its ops before `before_op`.
 * idempotency_keys  the answer to each change made under an Idempotency-Key, per tenant (`scope`,
 *         '' in an open service), written in the same transaction as the change (idempotency.ts);
 *         rows past `expires_at` (ms since the epoch) are deleted by the cleanup, in slices.
 * defrag_plans  at most one per heap: its defragmentation plan as JSON (registry/defrag.ts), open
 *         (its destinations are reserved in the heap) or committed and kept until it expires.
 * recorded_ops  heaps created with `record: true`: their history as trace ops (registry/recording.ts),
 *         numbered by `seq` from 0, each with the pointer it happened at; a row of `op` 0 after the
 *         last says the recording stopped at its limit (recordings.ts). A deleted heap's rows are
 *         left to the cleanup.
 *
 * Version 2 added the snapshots table, version 3 its through_op column and binary snapshots
 * (blobs, which the TEXT columns keep as they are; snapshots.ts reads both), version 4 the block
 * generations, the live counts of heaps and the obsolete table, version 5 the idempotency_keys
 * table, version 6 the defrag_plans table, version 7 the recorded_ops table. Older files are upgraded in place
 * (upgradeSchema). An older program refuses a newer file, which it would restore wrongly.
 *
 * Sizes and pointers are at most 2^53 - 1, within SQLite's 64-bit INTEGER.
 */
import type Database from 'better-sqlite3'

export const SCHEMA_VERSION = 7

/** Versions this program opens: 0 is a new file. */
export const READABLE_VERSIONS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7]

/** The tables a file of each version has; a missing one is damage. */
export function tablesOf (version: number): string[] {
  if (version === 0) return []
  const tables = ['heaps', 'blocks', 'ops']
  if (version >= 2) tables.push('snapshots')
  if (version >= 4) tables.push('obsolete')
  if (version >= 5) tables.push('idempotency_keys')
  if (version >= 6) tables.push('defrag_plans')
  if (version >= 7) tables.push('recorded_ops')
  return tables
}

const HEAPS = `
CREATE TABLE heaps (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  alignment INTEGER NOT NULL,
  name TEXT,
  created_at TEXT NOT NULL,
  description TEXT NOT NULL,
  allocs INTEGER NOT NULL DEFAULT 0,
  frees INTEGER NOT NULL DEFAULT 0,
  reallocs INTEGER NOT NULL DEFAULT 0,
  failed_allocs INTEGER NOT NULL DEFAULT 0,
  peak_used INTEGER NOT NULL DEFAULT 0,
  peak_live_blocks INTEGER NOT NULL DEFAULT 0,
  live_blocks INTEGER NOT NULL DEFAULT 0,
  used INTEGER NOT NULL DEFAULT 0,
  generation INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;`

const BLOCKS = `
CREATE TABLE blocks (
  heap_id TEXT NOT NULL,
  generation INTEGER NOT NULL,
  ptr INTEGER NOT NULL,
  size INTEGER NOT NULL,
  align INTEGER,
  tag TEXT,
  PRIMARY KEY (heap_id, generation, ptr)
) WITHOUT ROWID;`

const OPS = `
CREATE TABLE ops (
  id INTEGER PRIMARY KEY,
  heap_id TEXT NOT NULL,
  op TEXT NOT NULL,
  ptr INTEGER,
  size INTEGER,
  align INTEGER,
  from_ptr INTEGER,
  undone TEXT
);
CREATE INDEX ops_by_heap ON ops (heap_id, id);`

const SNAPSHOTS = `
CREATE TABLE snapshots (
  heap_id TEXT PRIMARY KEY,
  blocks TEXT NOT NULL,
  free_order TEXT NOT NULL,
  through_op INTEGER NOT NULL DEFAULT 0
);`

const OBSOLETE = `
CREATE TABLE obsolete (
  id INTEGER PRIMARY KEY,
  heap_id TEXT NOT NULL,
  before_generation INTEGER NOT NULL,
  before_op INTEGER NOT NULL
);`

// IF NOT EXISTS: the upgrade from any older version creates it, whatever else that version lacked.
const IDEMPOTENCY_KEYS = `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  location TEXT,
  body TEXT,
  PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_expiry ON idempotency_keys (expires_at);`

const DEFRAG_PLANS = `
CREATE TABLE IF NOT EXISTS defrag_plans (
  heap_id TEXT PRIMARY KEY,
  plan TEXT NOT NULL
) WITHOUT ROWID;`

const RECORDED_OPS = `
CREATE TABLE IF NOT EXISTS recorded_ops (
  heap_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  op INTEGER NOT NULL,
  trace_id INTEGER NOT NULL,
  size INTEGER NOT NULL,
  align INTEGER NOT NULL,
  ptr INTEGER NOT NULL,
  PRIMARY KEY (heap_id, seq)
) WITHOUT ROWID;`

/**
 * Brings a file of `version` (checked: READABLE_VERSIONS, its tables present) to SCHEMA_VERSION,
 * in one transaction.
 */
export function upgradeSchema (db: Database.Database, version: number): void {
  if (version === SCHEMA_VERSION) return
  db.transaction(() => {
    if (version === 0) {
      db.exec(HEAPS + BLOCKS + OPS + SNAPSHOTS + OBSOLETE + IDEMPOTENCY_KEYS + DEFRAG_PLANS + RECORDED_OPS)
    } else {
      if (version < 2) db.exec(SNAPSHOTS)
      const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('snapshots') as string[]
      if (!columns.includes('through_op')) db.exec('ALTER TABLE snapshots ADD COLUMN through_op INTEGER NOT NULL DEFAULT 0')
      if (version < 4) upgradeTo4(db)
      if (version < 5) db.exec(IDEMPOTENCY_KEYS)
      if (version < 6) db.exec(DEFRAG_PLANS)
      if (version < 7) db.exec(RECORDED_OPS)
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  })()
}

/** Generations (every block of generation 0), live counts taken from the blocks, the obsolete table. */
function upgradeTo4 (db: Database.Database): void {
  db.exec(`
    ALTER TABLE heaps ADD COLUMN live_blocks INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE heaps ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE heaps ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE blocks RENAME TO blocks_v3;
    ${BLOCKS}
    INSERT INTO blocks (heap_id, generation, ptr, size, align, tag) SELECT heap_id, 0, ptr, size, align, tag FROM blocks_v3;
    DROP TABLE blocks_v3;
    UPDATE heaps SET
      live_blocks = (SELECT count(*) FROM blocks WHERE blocks.heap_id = heaps.id),
      used = (SELECT coalesce(sum(size), 0) FROM blocks WHERE blocks.heap_id = heaps.id);
    ${OBSOLETE}
    INSERT INTO obsolete (heap_id, before_generation, before_op) SELECT heap_id, 0, through_op FROM snapshots WHERE through_op > 0;
  `)
}
