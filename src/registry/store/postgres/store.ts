/**
 * The PostgreSQL store (HEAPD_DATABASE_URL): heaps shared by any number of heapd instances.
 *
 * Each heap row has a version. A heap's history since its last snapshot is in heap_changes, one
 * row per version; a snapshot (the allocator as data) is taken once the changes since the last
 * one outnumber twice the live blocks, so that the database and a heap's reload time follow its
 * live blocks, not its age.
 *
 * Writing is two steps, driven by SharedHeaps (../../shared.ts): the registry announces changes
 * through `events` as it makes them in memory, and they wait in `pending`; then commit() writes
 * everything pending in one transaction, where each heap's row moves from the version the change
 * was computed on to the next ones only if it is still at that version (compare-and-set). A heap
 * another instance changed in between fails the whole transaction with HeapConflictError, and the
 * caller reloads the heap and computes again. Nothing is answered before its commit.
 *
 * Unreachable database: every call throws StoreUnavailableError (503 `unavailable`); ready() is
 * false until a query succeeds again, tried at most once a second.
 */
import pg from 'pg'
import type { AllocatorSnapshot, HeapStats, HistoryCounters } from '../../../allocator/types.js'
import type { Change, HeapDescription, HeapState, Mutation, RegistryEvents } from '../../events.js'
import type { IdempotencyRecord } from '../../idempotency.js'
import type { CommitResult, Plan } from '../../defrag.js'
import type { RecordedEntry } from '../../recording.js'
import { StoreOpenError, StoreUnavailableError } from '../errors.js'
import type { Store, StoredHeap, StoredRecording } from '../store.js'
import { migrate } from './schema.js'

/** One recorded step of a heap's history: what replay (rebuild.ts) needs, and the counters after it. */
export type RecordedChange =
  | { kind: 'mutations', mutations: Mutation[], counters: HistoryCounters }
  | { kind: 'rolled-back', mutations: Mutation[], counters: HistoryCounters }
  | { kind: 'reset', counters: HistoryCounters }
  | { kind: 'counted', counters: HistoryCounters }

/** A heap as the database holds it: a snapshot (none: the empty heap) and the changes since, in order. */
export interface SharedHeapRecord {
  description: HeapDescription
  seq: number
  version: number
  snapshot?: AllocatorSnapshot
  changes: RecordedChange[]
  /** Its defragmentation plan, open (its reservations are in the snapshot) or committed. */
  plan?: Plan
  /** A recording heap's history. */
  recording?: StoredRecording
}

/** A recorded entry as a row keeps it: [kind, id, size, align, ptr]. */
type EntryRow = [RecordedEntry['kind'], number, number, number, number]

/** A heap as the list shows it, without loading it. */
export interface HeapSummary {
  description: HeapDescription
  seq: number
  stats: HeapStats
}

/** The heap `heapId` is not at the version a change was computed on (another instance changed or deleted it), or a key was answered elsewhere. */
export class HeapConflictError extends Error {
  constructor (readonly heapId: string | undefined, message: string) {
    super(message)
    this.name = 'HeapConflictError'
  }
}

/** Another instance took the last blocks of a quota while this commit was computed: read the usage, compute again. */
export class BlockQuotaConflictError extends HeapConflictError {
  constructor () {
    super(undefined, 'other instances took the last blocks of the quota meanwhile')
    this.name = 'BlockQuotaConflictError'
  }
}

/** Creating a heap would pass a heap quota counted over the whole database. */
export class SharedQuotaError extends Error {
  constructor (readonly limit: 'maxHeaps' | 'maxHeapsPerTenant', readonly max: number, message: string) {
    super(message)
    this.name = 'SharedQuotaError'
  }
}

interface PendingHeap {
  created?: { description: HeapDescription, state: HeapState }
  deleted?: boolean
  changes: RecordedChange[]
  /** Record the heap whole (a change this store has no row shape for, or a rebuilt heap). */
  snapshotNow: boolean
  state?: HeapState
  /** The plan to keep from now on (null: none), or the result its commit answers. */
  plan?: Plan | null
  planCommitted?: { planId: string, result: CommitResult }
}

/** What the registry announced since the last commit. */
export interface PendingWork {
  heaps: Map<string, PendingHeap>
  keys: IdempotencyRecord[]
}

export interface PostgresStoreOptions {
  /** Connections in the pool. */
  poolSize?: number
  /** Milliseconds to wait for a connection before the call answers 503. */
  connectTimeout?: number
  /** Changes a heap may hold beyond twice its live blocks before a snapshot replaces them. */
  snapshotSlack?: number
  /** Heap quotas counted over the database at creation. */
  maxHeaps?: number
  maxHeapsPerTenant?: number
  /** Block quotas counted over the database (block_usage) when a commit adds blocks. */
  maxBlocksTotal?: number
  maxBlocksPerTenant?: number
}

/** What a commit must also check (PostgresStore.commit). */
export interface CommitOptions {
  guard?: { heapId: string, version: number }
  deltas?: BlockDelta[]
}

/** Live blocks a heap of `tenant` gained (negative: lost) in a commit. */
export interface BlockDelta {
  tenant: string | undefined
  delta: number
}

export interface Committed {
  versions: Map<string, number>
  /** Block usage after the commit, when it changed some. */
  usage?: BlockUsage
}

/** Live blocks over the database: all heaps', and one tenant's. */
export interface BlockUsage {
  total: number
  tenant: number
}

const RETRY_INTERVAL_MS = 1000
/** Advisory lock key creations take turns on (the migrations use another). */
const CREATION_LOCK = 0x6865617071

export class PostgresStore implements Store {
  readonly location: string
  readonly events: RegistryEvents
  private readonly pool: pg.Pool
  private pending: PendingWork = { heaps: new Map(), keys: [] }
  private healthy = true
  private lastAttempt = 0
  private readonly snapshotSlack: number
  private readonly options: PostgresStoreOptions

  /** Connects, migrates the schema (instances starting together take turns) and proves it can write. */
  static async open (url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options)
    try {
      const client = await store.pool.connect()
      try {
        await migrate(client)
      } finally {
        client.release()
      }
    } catch (error) {
      await store.pool.end().catch(() => {})
      throw new StoreOpenError(store.location, error)
    }
    return store
  }

  private constructor (url: string, options: PostgresStoreOptions) {
    this.location = redacted(url)
    this.options = options
    this.snapshotSlack = options.snapshotSlack ?? 1000
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 8,
      connectionTimeoutMillis: options.connectTimeout ?? 2000,
      idleTimeoutMillis: 30_000
    })
    // An idle connection the server dropped: the next query reconnects; never a crash.
    this.pool.on('error', () => { this.healthy = false })
    this.events = { changed: (change) => this.announce(change) }
  }

  /** Heaps load on first use (SharedHeaps), never all at start. */
  load (): Iterable<StoredHeap> { return [] }
  /** Keys are looked up per request (findKey). */
  loadKeys (): Iterable<IdempotencyRecord> { return [] }

  ready (): boolean {
    if (!this.healthy && Date.now() - this.lastAttempt >= RETRY_INTERVAL_MS) {
      this.lastAttempt = Date.now()
      this.pool.query('SELECT 1').then(() => { this.healthy = true }, () => {})
    }
    return this.healthy
  }

  close (): void {
    this.pool.end().catch(() => {})
  }

  /** Everything announced since the last call, taken out: the caller commits it or drops it. */
  drain (): PendingWork {
    const work = this.pending
    this.pending = { heaps: new Map(), keys: [] }
    return work
  }

  /** The heap's current version; undefined when it does not exist (or not for this tenant). */
  async version (heapId: string): Promise<number | undefined> {
    const { rows } = await this.query<{ version: string }>('SELECT version FROM heaps WHERE id = $1', [heapId])
    return rows[0] === undefined ? undefined : Number(rows[0].version)
  }

  /** The heap as recorded: snapshot and changes since, read in one consistent view. */
  async fetch (heapId: string): Promise<SharedHeapRecord | undefined> {
    return await this.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const { rows } = await client.query<{ description: HeapDescription, seq: string, version: string, snapshot: AllocatorSnapshot | null, snapshot_version: string, plan: Plan | null, recording_complete: boolean }>(
        'SELECT description, seq, version, snapshot, snapshot_version, plan, recording_complete FROM heaps WHERE id = $1', [heapId])
      const row = rows[0]
      if (row === undefined) return undefined
      const changes = await client.query<{ change: RecordedChange }>(
        'SELECT change FROM heap_changes WHERE heap_id = $1 AND version > $2 ORDER BY version', [heapId, row.snapshot_version])
      const record: SharedHeapRecord = {
        description: row.description,
        seq: Number(row.seq),
        version: Number(row.version),
        ...(row.snapshot !== null ? { snapshot: row.snapshot } : {}),
        changes: changes.rows.map((r) => r.change),
        ...(row.plan !== null ? { plan: row.plan } : {})
      }
      if (row.description.record === true) {
        const chunks = await client.query<{ entries: EntryRow[] }>('SELECT entries FROM heap_recordings WHERE heap_id = $1 ORDER BY first', [heapId])
        record.recording = { entries: chunks.rows.flatMap((chunk) => chunk.entries.map(([kind, id, size, align, ptr]) => ({ kind, id, size, align, ptr }))), complete: row.recording_complete }
      }
      return record
    })
  }

  /** A page of the tenant's heaps in creation order, from sequence number `from`. */
  async list (tenant: string | undefined, from: number, limit: number): Promise<{ items: HeapSummary[], next: number | null }> {
    const { rows } = await this.query<{ description: HeapDescription, seq: string, stats: HeapStats }>(
      'SELECT description, seq, stats FROM heaps WHERE tenant = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [tenant ?? '', from, limit + 1])
    const items = rows.slice(0, limit).map((row) => ({ description: row.description, seq: Number(row.seq), stats: row.stats }))
    return { items, next: rows.length > limit ? Number(rows[limit]!.seq) : null }
  }

  async findKey (scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.query<{ fingerprint: string, expires_at: string, status: number, location: string | null, body: string | null }>(
      'SELECT fingerprint, expires_at, status, location, body FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > $3', [scope, key, Date.now()])
    const row = rows[0]
    if (row === undefined) return undefined
    return {
      scope,
      key,
      fingerprint: row.fingerprint,
      expiresAt: Number(row.expires_at),
      answer: { status: row.status, ...(row.location !== null ? { location: row.location } : {}), ...(row.body !== null ? { body: row.body } : {}) }
    }
  }

  /** Live blocks of every heap and of the tenant's heaps, as committed. O(1): two rows of block_usage. */
  async blockUsage (tenant: string | undefined): Promise<BlockUsage> {
    const { rows } = await this.query<{ scope: string, blocks: string }>('SELECT scope, blocks FROM block_usage WHERE scope = ANY($1)', [['*', tenant ?? '*']])
    const of = (scope: string | undefined): number => Number(rows.find((row) => row.scope === scope)?.blocks ?? 0)
    return { total: of('*'), tenant: tenant === undefined ? 0 : of(tenant) }
  }

  /** Heaps whose last change is older than `ttl` ms: deleted, each once, whichever instance asks first. */
  async expireIdle (ttl: number): Promise<string[]> {
    const { rows } = await this.query<{ id: string }>(
      "WITH gone AS (DELETE FROM heaps WHERE id IN (SELECT id FROM heaps WHERE changed_at < now() - $1 * interval '1 millisecond' LIMIT 1000) " +
      "RETURNING id, tenant, (stats->>'liveBlocks')::bigint AS blocks), " +
      "counted AS (SELECT '*' AS scope, sum(blocks) AS blocks FROM gone UNION ALL SELECT tenant, sum(blocks) FROM gone WHERE tenant <> '' GROUP BY tenant), " +
      'usage AS (UPDATE block_usage SET blocks = block_usage.blocks - counted.blocks FROM counted WHERE block_usage.scope = counted.scope) ' +
      'SELECT id FROM gone', [ttl])
    await this.query('DELETE FROM idempotency_keys WHERE expires_at < $1', [Date.now()])
    return rows.map((row) => row.id)
  }

  /**
   * Writes `work` in one transaction. `base(heapId)` is the version each changed heap was computed
   * on; `guard`, a heap whose answers were computed without changing it, must still be at its
   * version too. `deltas` are the live blocks each heap gained (or lost), checked against the block
   * quotas. Answers each heap's new version and the block usage after; throws HeapConflictError
   * (nothing written) when a heap moved, a key was answered, or another instance took the last
   * blocks of a quota meanwhile, SharedQuotaError for a creation over a heap quota.
   */
  async commit (work: PendingWork, base: (heapId: string) => number | undefined, options: CommitOptions = {}): Promise<Committed> {
    const usual = usualCommit(work, options)
    if (usual !== undefined) return await this.commitUsual(usual.heapId, usual.heap, base(usual.heapId), work.keys, options.deltas?.[0])
    return await this.transaction(async (client) => {
      const versions = new Map<string, number>()
      const { guard } = options
      if (guard !== undefined) {
        const { rows } = await client.query<{ version: string }>('SELECT version FROM heaps WHERE id = $1 FOR SHARE', [guard.heapId])
        if (rows[0] === undefined || Number(rows[0].version) !== guard.version) throw new HeapConflictError(guard.heapId, `heap ${guard.heapId} moved past version ${guard.version}`)
      }
      for (const [heapId, heap] of work.heaps) {
        if (heap.created !== undefined) {
          await this.insertHeap(client, heap.created.description, heap.created.state)
          versions.set(heapId, 0)
        }
        const from = heap.created !== undefined ? 0 : base(heapId)
        if (from === undefined) throw new HeapConflictError(heapId, `heap ${heapId} changed without a known version`)
        if (heap.deleted === true) {
          if (heap.created !== undefined) continue
          const deleted = await client.query('DELETE FROM heaps WHERE id = $1 AND version = $2', [heapId, from])
          if (deleted.rowCount !== 1) throw new HeapConflictError(heapId, `heap ${heapId} moved past version ${from}`)
          continue
        }
        if (heap.changes.length === 0 && !heap.snapshotNow) continue
        const to = from + Math.max(1, heap.changes.length)
        const stats = heap.state!.stats()
        const updated = await client.query<{ snapshot_version: string, recorded: number }>(
          'UPDATE heaps SET version = $3, stats = $4, changed_at = now() WHERE id = $1 AND version = $2 RETURNING snapshot_version, recorded',
          [heapId, from, to, JSON.stringify(stats)])
        if (updated.rowCount !== 1) throw new HeapConflictError(heapId, `heap ${heapId} moved past version ${from}`)
        await this.writePlan(client, heapId, heap)
        await this.appendRecording(client, heapId, heap.state!, updated.rows[0]!.recorded)
        const since = to - Number(updated.rows[0]!.snapshot_version)
        if (heap.snapshotNow || since > 2 * stats.liveBlocks + this.snapshotSlack) {
          await client.query('UPDATE heaps SET snapshot = $2, snapshot_version = version WHERE id = $1', [heapId, JSON.stringify(heap.state!.snapshot())])
          await client.query('DELETE FROM heap_changes WHERE heap_id = $1 AND version <= $2', [heapId, to])
        } else {
          await client.query(
            'INSERT INTO heap_changes (heap_id, version, change) SELECT $1, $2 + ordinality, value FROM json_array_elements($3::json) WITH ORDINALITY',
            [heapId, from, JSON.stringify(heap.changes)])
        }
        versions.set(heapId, to)
      }
      const usage = options.deltas !== undefined ? await this.countBlocks(client, options.deltas) : undefined
      for (const record of work.keys) {
        const inserted = await client.query(
          'INSERT INTO idempotency_keys (scope, key, fingerprint, expires_at, status, location, body) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
          [record.scope, record.key, record.fingerprint, record.expiresAt, record.answer.status, record.answer.location ?? null, record.answer.body ?? null])
        if (inserted.rowCount !== 1) throw new HeapConflictError(undefined, `Idempotency-Key ${record.key} was answered meanwhile`)
      }
      return { versions, ...(usage !== undefined ? { usage } : {}) }
    })
  }

  /**
   * The usual commit, one heap's changes with their block usage and keys, in one statement
   * (heapd_commit, schema.ts). A snapshot that falls due is written after, on its own: the change
   * is committed already, so a snapshot that fails only waits for the next commit.
   */
  private async commitUsual (heapId: string, heap: PendingHeap, from: number | undefined, keys: IdempotencyRecord[], delta: BlockDelta | undefined): Promise<Committed> {
    if (from === undefined) throw new HeapConflictError(heapId, `heap ${heapId} changed without a known version`)
    const to = from + heap.changes.length
    const stats = heap.state!.stats()
    const { maxBlocksTotal, maxBlocksPerTenant } = this.options
    const { rows } = await this.query<{ snapshot_version: string, total: string | null, tenant_blocks: string | null }>(
      'SELECT snapshot_version, total, tenant_blocks FROM heapd_commit($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        heapId, from, to, JSON.stringify(stats), JSON.stringify(heap.changes), delta?.delta ?? 0,
        finite(maxBlocksTotal), finite(maxBlocksPerTenant),
        JSON.stringify(keys.map((k) => [k.scope, k.key, k.fingerprint, k.expiresAt, k.answer.status, k.answer.location ?? null, k.answer.body ?? null]))
      ])
    const row = rows[0]!
    if (to - Number(row.snapshot_version) > 2 * stats.liveBlocks + this.snapshotSlack) {
      await this.query(
        'WITH taken AS (UPDATE heaps SET snapshot = $2, snapshot_version = $3 WHERE id = $1 AND version = $3 RETURNING id) ' +
        'DELETE FROM heap_changes WHERE heap_id IN (SELECT id FROM taken) AND version <= $3', [heapId, JSON.stringify(heap.state!.snapshot()), to]
      ).catch(() => {})
    }
    const versions = new Map([[heapId, to]])
    if (row.total === null) return { versions }
    return { versions, usage: { total: Number(row.total), tenant: Number(row.tenant_blocks ?? 0) } }
  }

  private async writePlan (client: pg.PoolClient, heapId: string, heap: PendingHeap): Promise<void> {
    if (heap.plan !== undefined) await client.query('UPDATE heaps SET plan = $2 WHERE id = $1', [heapId, heap.plan === null ? null : JSON.stringify(heap.plan)])
    if (heap.planCommitted !== undefined) {
      await client.query("UPDATE heaps SET plan = jsonb_set(plan, '{committed}', $3::jsonb) WHERE id = $1 AND plan ->> 'id' = $2",
        [heapId, heap.planCommitted.planId, JSON.stringify(heap.planCommitted.result)])
    }
  }

  /** Appends what a recording heap's history gained since the database last heard of it, as one chunk. */
  private async appendRecording (client: pg.PoolClient, heapId: string, state: HeapState, recorded: number): Promise<void> {
    const recording = state.recording
    if (recording === undefined || recording.entryCount <= recorded) return
    const entries: EntryRow[] = []
    for (const entry of recording.entries(recorded)) entries.push([entry.kind, entry.id, entry.size, entry.align, entry.ptr])
    await client.query('INSERT INTO heap_recordings (heap_id, first, entries) VALUES ($1, $2, $3)', [heapId, recorded, JSON.stringify(entries)])
    await client.query('UPDATE heaps SET recorded = $2, recording_complete = $3 WHERE id = $1', [heapId, recorded + entries.length, recording.complete])
  }

  /**
   * Adds each delta to the usage of every heap and of its tenant's, refusing (HeapConflictError) a
   * gain that passes a quota. The rows stay locked until the commit: commits that change counts
   * take turns on them, which is what makes the quota hold across instances.
   */
  private async countBlocks (client: pg.PoolClient, deltas: readonly BlockDelta[]): Promise<BlockUsage> {
    const usage: BlockUsage = { total: 0, tenant: 0 }
    const { maxBlocksTotal = Infinity, maxBlocksPerTenant = Infinity } = this.options
    for (const { tenant, delta } of deltas) {
      const scopes: Array<[string, number]> = [['*', maxBlocksTotal]]
      if (tenant !== undefined) scopes.push([tenant, maxBlocksPerTenant])
      for (const [scope, max] of scopes) {
        const { rows } = await client.query<{ blocks: string }>(
          'INSERT INTO block_usage (scope, blocks) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET blocks = block_usage.blocks + $2 RETURNING blocks',
          [scope, delta])
        const blocks = Number(rows[0]!.blocks)
        if (delta > 0 && blocks > max) throw new BlockQuotaConflictError()
        if (scope === '*') usage.total = blocks
        else usage.tenant = blocks
      }
    }
    return usage
  }

  private async insertHeap (client: pg.PoolClient, description: HeapDescription, state: HeapState): Promise<void> {
    const tenant = description.tenant ?? ''
    const { maxHeaps, maxHeapsPerTenant } = this.options
    if (maxHeaps !== undefined || (maxHeapsPerTenant !== undefined && description.tenant !== undefined)) {
      // Creations take turns on the count, so that two instances cannot both take the last place.
      await client.query('SELECT pg_advisory_xact_lock($1)', [CREATION_LOCK])
      if (maxHeaps !== undefined) {
        const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM heaps')
        if (Number(rows[0]!.count) >= maxHeaps) throw new SharedQuotaError('maxHeaps', maxHeaps, `${maxHeaps} heaps exist already`)
      }
      if (maxHeapsPerTenant !== undefined && description.tenant !== undefined) {
        const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM heaps WHERE tenant = $1', [tenant])
        if (Number(rows[0]!.count) >= maxHeapsPerTenant) {
          throw new SharedQuotaError('maxHeapsPerTenant', maxHeapsPerTenant, `tenant ${tenant} has ${maxHeapsPerTenant} heaps already`)
        }
      }
    }
    await client.query('INSERT INTO heaps (id, tenant, description, version, stats) VALUES ($1, $2, $3, 0, $4)',
      [description.id, tenant, JSON.stringify(description), JSON.stringify(state.stats())])
  }

  private announce (change: Change): void {
    if (change.kind === 'answered') {
      this.pending.keys.push(change.record)
      return
    }
    if (change.answered !== undefined) this.pending.keys.push(change.answered)
    const heapId = change.kind === 'heap-created' ? change.heap.id : change.heapId
    let heap = this.pending.heaps.get(heapId)
    if (heap === undefined) {
      heap = { changes: [], snapshotNow: false }
      this.pending.heaps.set(heapId, heap)
    }
    switch (change.kind) {
      case 'heap-created':
        heap.created = { description: change.heap, state: change.state }
        heap.state = change.state
        return
      case 'heap-deleted':
        heap.deleted = true
        return
      case 'mutations':
      case 'rolled-back':
        heap.state = change.state
        heap.changes.push({ kind: change.kind, mutations: change.mutations, counters: countersOf(change.state.stats()) })
        return
      case 'heap-reset':
        // Announced before the reset: the counters it keeps are those of now.
        heap.state = change.state
        heap.changes.push({ kind: 'reset', counters: countersOf(change.state.stats()) })
        return
      case 'counted':
        heap.state = change.state
        heap.changes.push({ kind: 'counted', counters: countersOf(change.state.stats()) })
        return
      case 'defrag-planned':
      case 'defrag-committed':
      case 'defrag-ended':
        // Reservations and moved blocks are in the heap's snapshot; the plan itself in its column.
        heap.state = change.state
        heap.snapshotNow = true
        if (change.kind === 'defrag-planned') heap.plan = change.plan
        else if (change.kind === 'defrag-ended') heap.plan = null
        else heap.planCommitted = { planId: change.planId, result: change.result }
        return
      default:
        // Rebuilt heaps, and changes without a row shape here: the heap is recorded whole.
        if ('state' in change) heap.state = change.state as HeapState
        heap.snapshotNow = true
    }
  }

  private async query<R extends pg.QueryResultRow> (text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      const result = await this.pool.query<R>(text, values)
      this.healthy = true
      return result
    } catch (error) {
      throw this.failure(error)
    }
  }

  private async transaction<T> (work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      throw this.failure(error)
    }
    let broken = false
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      this.healthy = true
      return result
    } catch (error) {
      if (error instanceof HeapConflictError || error instanceof SharedQuotaError) {
        await client.query('ROLLBACK').catch(() => { broken = true })
        throw error
      }
      broken = true
      throw this.failure(error)
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(broken)
    }
  }

  /**
   * A database error as the service reports it: the database unreachable or refusing work is 503
   * `unavailable` (and the store not ready); a lost race is a conflict; anything else is a bug of
   * heapd's and goes on as it is (500).
   */
  private failure (error: unknown): Error {
    if (error instanceof HeapConflictError || error instanceof SharedQuotaError) return error
    const code = (error as { code?: unknown }).code
    if (code === HEAP_MOVED || code === '23505' || code === '40001' || code === '40P01') return new HeapConflictError(undefined, (error as Error).message)
    if (code === QUOTA_TAKEN) return new BlockQuotaConflictError()
    if (!unavailable(code)) return error as Error
    this.healthy = false
    this.lastAttempt = Date.now()
    return new StoreUnavailableError(this.location, error)
  }
}

/**
 * SQLSTATEs of a database that cannot serve now: connection exceptions (08), insufficient
 * resources such as a full disk or too many connections (53), an operator's shutdown or a server
 * starting (57), I/O errors (58), and a read-only server (25006, a standby after a failover).
 * No SQLSTATE at all is the network or the driver: refused, reset, timed out.
 */
function unavailable (code: unknown): boolean {
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true
  return code === '25006' || ['08', '53', '57', '58'].includes(code.slice(0, 2))
}

/** SQLSTATEs heapd_commit raises (schema.ts): the heap moved (or a key was answered); a block quota was taken. */
const HEAP_MOVED = 'HD001'
const QUOTA_TAKEN = 'HD002'

/** One heap's changes alone (no creation, deletion, snapshot, plan or recording): what heapd_commit does in one statement. */
function usualCommit (work: PendingWork, options: CommitOptions): { heapId: string, heap: PendingHeap } | undefined {
  if (work.heaps.size !== 1 || options.guard !== undefined || (options.deltas?.length ?? 0) > 1) return undefined
  const [heapId, heap] = work.heaps.entries().next().value as [string, PendingHeap]
  const plain = heap.created === undefined && heap.deleted !== true && !heap.snapshotNow && heap.changes.length > 0 &&
    heap.plan === undefined && heap.planCommitted === undefined && heap.state?.recording === undefined
  return plain ? { heapId, heap } : undefined
}

function finite (max: number | undefined): number | null {
  return max === undefined || !Number.isFinite(max) ? null : max
}

function countersOf (stats: HeapStats): HistoryCounters {
  const { allocs, frees, reallocs, failedAllocs, peakUsed, peakLiveBlocks } = stats
  return { allocs, frees, reallocs, failedAllocs, peakUsed, peakLiveBlocks }
}

/** The URL without its password, for log lines and messages. */
function redacted (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the PostgreSQL database'
  }
}
