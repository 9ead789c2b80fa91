/** Store errors: what a store reports about itself, in words an operator can act on. */

/** The store cannot commit a change (disk full, I/O error): nothing changed; try again later. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE'
  /** Seconds a client may wait before trying again. */
  readonly retryAfter = 1
  constructor (location: string, cause: unknown) {
    super(`the store (${location}) cannot commit changes: ${reason(cause)}`, { cause })
    this.name = 'StoreUnavailableError'
  }
}

/** The store's file fails the checks at start: the service must not start from it. */
export class StoreDamagedError extends Error {
  readonly code = 'STORE_DAMAGED'
  constructor (location: string, problem: string) {
    super(`${location} is damaged: ${problem}`)
    this.name = 'StoreDamagedError'
  }
}

/** Another process serves from the same file. */
export class StoreInUseError extends Error {
  readonly code = 'STORE_IN_USE'
  constructor (location: string) {
    super(`${location} is in use by another process (one heapd per data file)`)
    this.name = 'StoreInUseError'
  }
}

/** The store cannot be opened or written at start (no space, no permission). */
export class StoreOpenError extends Error {
  readonly code = 'STORE_OPEN_FAILED'
  constructor (location: string, cause: unknown) {
    super(`cannot open ${location} for writing: ${reason(cause)}`, { cause })
    this.name = 'StoreOpenError'
  }
}

function reason (cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' ? `${cause.message} (${code})` : cause.message
  }
  return String(cause)
}
