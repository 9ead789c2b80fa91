/**
 * One server per data file. The lock is an exclusive transaction held open on a small SQLite file
 * beside the data file (`<file>.lock`): SQLite's own file locks, which the system releases when the
 * process ends however it ends (a SIGKILL included), so no stale lock survives a crash. The data
 * file itself stays in SQLite's normal locking mode, so that other readers (an online backup,
 * `sqlite3 <file> .backup ...`) can still read it while the server runs.
 */
import Database from 'better-sqlite3'
import { StoreInUseError } from '../errors.js'

export interface Lock {
  release: () => void
}

export function acquireLock (file: string): Lock {
  const lockFile = `${file}.lock`
  const db = new Database(lockFile, { timeout: 0 })
  try {
    // BEGIN EXCLUSIVE takes the file's exclusive lock without writing a byte, so it works on a full disk.
    db.exec('BEGIN EXCLUSIVE')
  } catch (error) {
    db.close()
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) throw new StoreInUseError(file)
    throw error
  }
  return {
    release: () => {
      if (db.open) db.close()
    }
  }
}
