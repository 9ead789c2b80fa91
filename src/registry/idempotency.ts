/**
 * Idempotency keys (the IETF Idempotency-Key header draft): the registry remembers the answer to
 * each change made under a key, per tenant, so that a retry with the same key gets the first
 * answer and applies nothing again.
 *
 * The table lives in memory; a store that records changes (SQLite) also commits each remembered
 * answer in the same transaction as the change it answers, and gives the table back on start
 * (Registry.loadKeys). How: while a keyed change runs, `answering` builds its record once from the
 * change's outcome, and the heap or registry that announces the change attaches it to the event
 * (events.ts). A keyed request that changes nothing (a refusal) or whose change is announced before
 * it happens (a reset) has its record announced alone, as an 'answered' event, right after; that
 * leaves no window where a retry applies twice, since a refusal changes nothing and a second reset
 * in a row changes nothing either.
 *
 * In flight: hold() marks a key as soon as its request arrives, before its body is read, so that a
 * retry sent while the first is still uploading answers IdempotencyKeyInFlightError; the holder
 * runs the change later (run, with the same `holder`) or releases the key if it never does.
 *
 * Bounded: keys expire `ttl` milliseconds after their request came; expired ones are dropped a few at a
 * time on every keyed request, and at most MAX_REMEMBERED_KEYS answers of at most
 * MAX_REMEMBERED_BYTES in all are kept, the oldest (those closest to expiry) forgotten first.
 */
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from './errors.js'
import { StoreUnavailableError } from './store/errors.js'

/** The answer a keyed request got, as it is replayed: `body` is JSON text, absent for 204. */
export interface StoredAnswer {
  status: number
  location?: string
  body?: string
}

/** One remembered key. `scope` is the tenant ('' in an open service); `expiresAt` in ms since the epoch. */
export interface IdempotencyRecord {
  scope: string
  key: string
  fingerprint: string
  expiresAt: number
  answer: StoredAnswer
}

export type Outcome<T> = { ok: true, result: T } | { ok: false, error: unknown }

/** A keyed request: the tenant, the header's key, and the fingerprint of method, path and body. */
export interface KeyedRequest {
  tenant: string | undefined
  key: string
  fingerprint: string
  /** Who holds the key in flight (hold), if anyone: that request may run under it. */
  holder?: object
}

/** Builds the answer to remember from a request's outcome; undefined when it must not be remembered (503, 429). */
export type AnswerOf<T> = (outcome: Outcome<T>) => StoredAnswer | undefined

export const MAX_REMEMBERED_KEYS = 100_000
export const MAX_REMEMBERED_BYTES = 64 * 1024 * 1024
/** Expired keys dropped per keyed request: bounded work, faster than keys are made. */
const EXPIRED_PER_REQUEST = 8

interface Entry {
  fingerprint: string
  expiresAt: number
  /** Undefined while the first request with the key is in flight. */
  answer: StoredAnswer | undefined
  bytes: number
  holder?: object
}

interface Running {
  record: Omit<IdempotencyRecord, 'answer'>
  answerOf: AnswerOf<unknown>
  /** The record attached to the change that ends the request, and the outcome it was built from. */
  attached?: { record: IdempotencyRecord, outcome: Outcome<unknown> }
}

export interface IdempotencyKeysOptions {
  /** Milliseconds a key is remembered. */
  ttl: number
  nowMs: () => number
  /** Announces a record no change carried ('answered'); may throw StoreUnavailableError. */
  announce: (record: IdempotencyRecord) => void
  maxKeys?: number
  maxBytes?: number
}

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0
  private running: Running | undefined
  private readonly ttl: number
  private readonly nowMs: () => number
  private readonly announce: (record: IdempotencyRecord) => void
  private readonly maxKeys: number
  private readonly maxBytes: number

  constructor (options: IdempotencyKeysOptions) {
    this.ttl = options.ttl
    this.nowMs = options.nowMs
    this.announce = options.announce
    this.maxKeys = options.maxKeys ?? MAX_REMEMBERED_KEYS
    this.maxBytes = options.maxBytes ?? MAX_REMEMBERED_BYTES
  }

  /** Keys remembered or in flight. */
  get size (): number {
    return this.entries.size
  }

  /**
   * Answers the request under its key: the first answer again for a retry (throws
   * IdempotencyKeyReusedError when the request differs, IdempotencyKeyInFlightError while the first
   * is running), otherwise runs `perform` and remembers its answer when `answerOf` gives one. An
   * error whose answer is not remembered is thrown again, and the key is free for the retry.
   */
  run<T> (request: KeyedRequest, perform: () => T, answerOf: AnswerOf<T>): StoredAnswer {
    const now = this.nowMs()
    this.dropExpired(now)
    const id = idOf(request.tenant, request.key)
    const known = this.entries.get(id)
    const mine = known !== undefined && known.answer === undefined && request.holder !== undefined && known.holder === request.holder
    if (known !== undefined && known.expiresAt > now && !mine) {
      if (known.answer === undefined) throw new IdempotencyKeyInFlightError(request.key)
      if (known.fingerprint !== request.fingerprint) throw new IdempotencyKeyReusedError(request.key)
      return known.answer
    }
    if (known !== undefined) this.forget(id, known)
    const entry: Entry = { fingerprint: request.fingerprint, expiresAt: now + this.ttl, answer: undefined, bytes: 0 }
    this.entries.set(id, entry)
    const running: Running = {
      record: { scope: request.tenant ?? '', key: request.key, fingerprint: request.fingerprint, expiresAt: entry.expiresAt },
      answerOf: answerOf as AnswerOf<unknown>
    }
    const outer = this.running
    this.running = running
    let outcome: Outcome<T>
    try {
      outcome = { ok: true, result: perform() }
    } catch (error) {
      outcome = { ok: false, error }
    } finally {
      this.running = outer
    }
    let answer: StoredAnswer | undefined
    try {
      answer = this.settle(running, outcome)
    } catch (error) {
      this.entries.delete(id)
      throw error
    }
    if (answer === undefined) {
      this.entries.delete(id)
      if (!outcome.ok) throw outcome.error
      throw new Error('a successful change must have an answer to remember')
    }
    this.remember(id, entry, answer)
    return answer
  }

  /**
   * Marks the key in flight for `holder` (a request whose body is still to come); throws
   * IdempotencyKeyInFlightError when another request holds it. Answers false when the key has an
   * answer already (run replays it or refuses), true when `holder` now holds it and must run or
   * release it.
   */
  hold (tenant: string | undefined, key: string, holder: object): boolean {
    const now = this.nowMs()
    this.dropExpired(now)
    const id = idOf(tenant, key)
    const known = this.entries.get(id)
    if (known !== undefined && known.expiresAt > now) {
      if (known.answer === undefined) throw new IdempotencyKeyInFlightError(key)
      return false
    }
    if (known !== undefined) this.forget(id, known)
    this.entries.set(id, { fingerprint: '', expiresAt: now + this.ttl, answer: undefined, bytes: 0, holder })
    return true
  }

  /** Frees a key `holder` held and never answered (its request failed before the change, or was abandoned). */
  release (tenant: string | undefined, key: string, holder: object): void {
    const id = idOf(tenant, key)
    const known = this.entries.get(id)
    if (known !== undefined && known.answer === undefined && known.holder === holder) this.entries.delete(id)
  }

  /**
   * The record to commit with the change being announced, when that change ends the keyed request
   * in progress; undefined otherwise. Called by whoever announces a change, with its outcome.
   */
  answering (outcome: Outcome<unknown>): IdempotencyRecord | undefined {
    const running = this.running
    if (running === undefined || running.attached !== undefined) return undefined
    const answer = running.answerOf(outcome)
    if (answer === undefined) return undefined
    const record: IdempotencyRecord = { ...running.record, answer }
    running.attached = { record, outcome }
    return record
  }

  /** Forgets the key's answer: the change it answered was not committed (a shared store refused it). */
  drop (tenant: string | undefined, key: string): void {
    const id = idOf(tenant, key)
    const known = this.entries.get(id)
    if (known !== undefined) this.forget(id, known)
  }

  /** Takes back the keys a store kept, before serving; expired ones are skipped. */
  load (records: Iterable<IdempotencyRecord>): number {
    const now = this.nowMs()
    let loaded = 0
    for (const record of records) {
      if (record.expiresAt <= now) continue
      const id = idOf(record.scope === '' ? undefined : record.scope, record.key)
      const known = this.entries.get(id)
      if (known !== undefined) this.forget(id, known)
      const entry: Entry = { fingerprint: record.fingerprint, expiresAt: record.expiresAt, answer: undefined, bytes: 0 }
      this.entries.set(id, entry)
      this.remember(id, entry, record.answer)
      loaded++
    }
    return loaded
  }

  /** The answer to remember: the one committed with the change, if that change is the outcome; else built now and announced alone. */
  private settle<T> (running: Running, outcome: Outcome<T>): StoredAnswer | undefined {
    const attached = running.attached
    // A record attached to a change that then failed to commit was not kept: the outcome is that failure.
    if (attached !== undefined && attached.outcome.ok === outcome.ok && (outcome.ok || (!attached.outcome.ok && attached.outcome.error === outcome.error))) {
      return attached.record.answer
    }
    const answer = running.answerOf(outcome as Outcome<unknown>)
    if (answer === undefined) return undefined
    try {
      this.announce({ ...running.record, answer })
    } catch (error) {
      // The answer stands, but the store cannot keep it: neither does memory, so both agree after a restart.
      if (error instanceof StoreUnavailableError) return undefined
      throw error
    }
    return answer
  }

  private remember (id: string, entry: Entry, answer: StoredAnswer): void {
    entry.answer = answer
    entry.bytes = id.length + entry.fingerprint.length + (answer.body?.length ?? 0) + (answer.location?.length ?? 0)
    this.bytes += entry.bytes
    // Moved to the end: the map stays in order of expiry, so the oldest are found first.
    this.entries.delete(id)
    this.entries.set(id, entry)
    for (const [oldId, old] of this.entries) {
      if (this.entries.size <= this.maxKeys && this.bytes <= this.maxBytes) break
      if (old.answer !== undefined && old !== entry) this.forget(oldId, old)
    }
  }

  private dropExpired (now: number): void {
    let budget = EXPIRED_PER_REQUEST
    for (const [id, entry] of this.entries) {
      if (budget-- === 0 || entry.expiresAt > now) return
      if (entry.answer !== undefined) this.forget(id, entry)
    }
  }

  private forget (id: string, entry: Entry): void {
    this.entries.delete(id)
    this.bytes -= entry.bytes
  }
}

function idOf (tenant: string | undefined, key: string): string {
  return `${tenant ?? ''}\u0000${key}`
}
