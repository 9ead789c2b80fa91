/**
 * The store the configuration asks for: SQLite when a data file is named, memory otherwise.
 * SQLite (a native module) is loaded only when used. A new engine is one more branch here.
 */
import { MemoryStore } from './memory.js'
import type { Store } from './store.js'

export interface StoreChoice {
  /** A SQLite file (HEAPD_DATA); memory when undefined. */
  dataFile?: string
}

export async function openStore (choice: StoreChoice): Promise<Store> {
  if (choice.dataFile === undefined) return new MemoryStore()
  const { SqliteStore } = await import('./sqlite/store.js')
  return SqliteStore.open(choice.dataFile)
}
