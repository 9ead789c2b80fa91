/**
 * The PostgreSQL schema, as numbered migrations. Every instance runs migrate() at start: under a
 * transaction-scoped advisory lock, so that instances starting together take turns, each step
 * applied once and recorded in heapd_migrations. A step is never edited once released; a change
 * is a new step.
 */
import type { PoolClient } from 'pg'

/** One lock key for every heapd instance on the database (any constant; this one spells "heapd"). */
const MIGRATION_LOCK = 0x6865617064

const MIGRATIONS: readonly string[] = [
  // 1: heaps with their version and snapshot, the changes since, and the Idempotency-Keys.
  `CREATE TABLE heaps (
     id text PRIMARY KEY,
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     tenant text NOT NULL,
     description jsonb NOT NULL,
     version bigint NOT NULL,
     stats jsonb NOT NULL,
     snapshot jsonb,
     snapshot_version bigint NOT NULL DEFAULT 0,
     changed_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX heaps_by_tenant ON heaps (tenant, seq);
   CREATE INDEX heaps_by_change ON heaps (changed_at);
   CREATE TABLE heap_changes (
     heap_id text NOT NULL REFERENCES heaps (id) ON DELETE CASCADE,
     version bigint NOT NULL,
     change jsonb NOT NULL,
     PRIMARY KEY (heap_id, version)
   );
   CREATE TABLE idempotency_keys (
     scope text NOT NULL,
     key text NOT NULL,
     fingerprint text NOT NULL,
     expires_at bigint NOT NULL,
     status integer NOT NULL,
     location text,
     body text,
     PRIMARY KEY (scope, key)
   );
   CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);`,
  // 2: a heap's defragmentation plan (open, or committed until it expires), and the history of
  // heaps that record, appended in chunks (one row per commit, from entry `first`).
  `ALTER TABLE heaps ADD COLUMN plan jsonb;
   ALTER TABLE heaps ADD COLUMN recorded integer NOT NULL DEFAULT 0;
   ALTER TABLE heaps ADD COLUMN recording_complete boolean NOT NULL DEFAULT true;
   CREATE TABLE heap_recordings (
     heap_id text NOT NULL REFERENCES heaps (id) ON DELETE CASCADE,
     first integer NOT NULL,
     entries jsonb NOT NULL,
     PRIMARY KEY (heap_id, first)
   );`,
  // 3: live blocks per scope ('*': every heap; a tenant's name: its heaps), kept by every commit
  // that changes a count, so that block quotas are checked in O(1).
  `CREATE TABLE block_usage (scope text PRIMARY KEY, blocks bigint NOT NULL);
   INSERT INTO block_usage (scope, blocks) SELECT '*', coalesce(sum((stats->>'liveBlocks')::bigint), 0) FROM heaps;
   INSERT INTO block_usage (scope, blocks)
     SELECT tenant, sum((stats->>'liveBlocks')::bigint) FROM heaps WHERE tenant <> '' GROUP BY tenant;`,
  // 4: the usual commit (one heap's changes, its block usage and Idempotency-Keys) as one function,
  // one round trip instead of a transaction of five; changes kept as json text, not decomposed.
  `ALTER TABLE heap_changes ALTER COLUMN change TYPE json USING change::json;
   CREATE FUNCTION heapd_commit (p_heap text, p_from bigint, p_to bigint, p_stats jsonb, p_changes json,
                                 p_delta bigint, p_max_total bigint, p_max_tenant bigint, p_keys json)
   RETURNS TABLE (snapshot_version bigint, total bigint, tenant_blocks bigint)
   LANGUAGE plpgsql AS $$
   DECLARE
     v_tenant text;
     v_inserted bigint;
   BEGIN
     UPDATE heaps SET version = p_to, stats = p_stats, changed_at = now() WHERE id = p_heap AND version = p_from
       RETURNING heaps.snapshot_version, heaps.tenant INTO snapshot_version, v_tenant;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'heap % moved past version %', p_heap, p_from USING ERRCODE = 'HD001';
     END IF;
     INSERT INTO heap_changes (heap_id, version, change)
       SELECT p_heap, p_from + ordinality, value FROM json_array_elements(p_changes) WITH ORDINALITY;
     IF p_delta <> 0 THEN
       INSERT INTO block_usage AS u (scope, blocks) VALUES ('*', p_delta)
         ON CONFLICT (scope) DO UPDATE SET blocks = u.blocks + p_delta RETURNING u.blocks INTO total;
       IF p_delta > 0 AND p_max_total IS NOT NULL AND total > p_max_total THEN
         RAISE EXCEPTION 'the block quota is taken' USING ERRCODE = 'HD002';
       END IF;
       IF v_tenant <> '' THEN
         INSERT INTO block_usage AS u (scope, blocks) VALUES (v_tenant, p_delta)
           ON CONFLICT (scope) DO UPDATE SET blocks = u.blocks + p_delta RETURNING u.blocks INTO tenant_blocks;
         IF p_delta > 0 AND p_max_tenant IS NOT NULL AND tenant_blocks > p_max_tenant THEN
           RAISE EXCEPTION 'the block quota is taken' USING ERRCODE = 'HD002';
         END IF;
       END IF;
     END IF;
     INSERT INTO idempotency_keys (scope, key, fingerprint, expires_at, status, location, body)
       SELECT k->>0, k->>1, k->>2, (k->>3)::bigint, (k->>4)::integer, k->>5, k->>6 FROM json_array_elements(p_keys) AS k
       ON CONFLICT DO NOTHING;
     GET DIAGNOSTICS v_inserted = ROW_COUNT;
     IF v_inserted < json_array_length(p_keys) THEN
       RAISE EXCEPTION 'an Idempotency-Key was answered meanwhile' USING ERRCODE = 'HD001';
     END IF;
     RETURN NEXT;
   END
   $$;`
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** Brings the database to SCHEMA_VERSION; answers the version it found. Refuses a database newer than this build. */
export async function migrate (client: PoolClient): Promise<number> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query('CREATE TABLE IF NOT EXISTS heapd_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM heapd_migrations')
    const found = rows[0]?.version ?? 0
    if (found > SCHEMA_VERSION) throw new Error(`the database has schema version ${found}, newer than this heapd's ${SCHEMA_VERSION}`)
    for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version - 1]!)
      await client.query('INSERT INTO heapd_migrations (version) VALUES ($1)', [version])
    }
    await client.query('COMMIT')
    return found
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}
