export type { Store, StoredHeap, StoredHistory, StoredOp, StoredSnapshot, StoredCounters } from './store.js'
export { StoreUnavailableError, StoreDamagedError, StoreInUseError, StoreOpenError } from './errors.js'
export { MemoryStore } from './memory.js'
export { openStore, type StoreChoice } from './open.js'
