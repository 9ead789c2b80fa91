/**
 * The SQLite schema of a durable registry (HEAPD_DATA).
 *
 * heaps   one row per live heap: its description, its place in creation order (seq) and the
 *         allocator's history counters as of the last recorded change.
 * blocks  every live block: the exact layout, plus each block's requested alignment and tag.
 * ops     tlsf heaps only: the history since the heap's snapshot (or since it was last empty), to
 *         replay on start (see rebuild.ts for why tlsf needs history and the other strategies do
 *         not).
 * snapshots  tlsf heaps only, at most one per heap: its blocks (with alignment) and free order as
 *         of op row `through_op` (snapshots.ts says when). Only the heap's ops after that row are
 *         its journal; the rows up to it are deleted a few at a time by the following changes
 *         (store.ts), except row `through_op` itself, which stays while the snapshot does so that
 *         SQLite, which numbers a new row one past the largest, never numbers one at or below it.
 *
 * Version 2 added the snapshots table, version 3 its through_op column and binary snapshots
 * (blobs, which the TEXT columns keep as they are; snapshots.ts reads both). Older files are
 * upgraded in place (upgradeSchema): a version 1 heap restores by replaying its ops from empty, a
 * version 2 snapshot (JSON) has through_op 0, as its ops were deleted when it was taken. An older program refuses
 * a newer file, which it would restore wrongly.
 *
 * Sizes and pointers are at most 2^53 - 1, within SQLite's 64-bit INTEGER.
 */
import type Database from 'better-sqlite3'

export const SCHEMA_VERSION = 3

/** Versions this program opens: 0 is a new file. */
export const READABLE_VERSIONS: readonly number[] = [0, 1, 2, 3]

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS heaps (
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
  peak_live_blocks INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS blocks (
  heap_id TEXT NOT NULL,
  ptr INTEGER NOT NULL,
  size INTEGER NOT NULL,
  align INTEGER,
  tag TEXT,
  PRIMARY KEY (heap_id, ptr)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ops (
  id INTEGER PRIMARY KEY,
  heap_id TEXT NOT NULL,
  op TEXT NOT NULL,
  ptr INTEGER,
  size INTEGER,
  align INTEGER,
  from_ptr INTEGER,
  undone TEXT
);
CREATE INDEX IF NOT EXISTS ops_by_heap ON ops (heap_id, id);

CREATE TABLE IF NOT EXISTS snapshots (
  heap_id TEXT PRIMARY KEY,
  blocks TEXT NOT NULL,
  free_order TEXT NOT NULL,
  through_op INTEGER NOT NULL DEFAULT 0
);
`

/** Adds what SCHEMA's CREATE TABLE IF NOT EXISTS cannot: the columns newer than a file's tables. */
export function upgradeSchema (db: Database.Database): void {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('snapshots') as string[]
  if (!columns.includes('through_op')) db.exec('ALTER TABLE snapshots ADD COLUMN through_op INTEGER NOT NULL DEFAULT 0')
}
