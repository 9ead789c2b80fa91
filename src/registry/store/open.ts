/**
 * The store the configuration asks for: SQLite when a data file is named, PostgreSQL when a
 * database URL is, memory otherwise. Each engine's module is loaded only when used.
 */
import { MemoryStore } from './memory.js'
import type { Store } from './store.js'

export interface StoreChoice {
  /** A SQLite file (HEAPD_DATA); memory when undefined. */
  dataFile?: string
  /** A PostgreSQL database (HEAPD_DATABASE_URL), shared with other instances, and the heap quotas counted over it. */
  database?: { url: string, maxHeaps: number, maxHeapsPerTenant?: number, maxBlocksTotal?: number, maxBlocksPerTenant?: number }
}

export async function openStore (choice: StoreChoice): Promise<Store> {
  if (choice.database !== undefined) {
    const { PostgresStore } = await import('./postgres/store.js')
    const { url, ...quotas } = choice.database
    return await PostgresStore.open(url, quotas)
  }
  if (choice.dataFile === undefined) return new MemoryStore()
  const { SqliteStore } = await import('./sqlite/store.js')
  return SqliteStore.open(choice.dataFile)
}
