import { existsSync } from 'node:fs'
import pg from 'pg'
import t from 'tap'
import { postgresFor } from './postgres.js'

async function query (url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

t.test('a throwaway PostgreSQL answers, keeps its data across a restart, and is removed at the end', async (t) => {
  const server = await postgresFor(t)
  t.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/heapd$/)
  t.same(await query(server.url, 'SELECT 1 AS one'), [{ one: 1 }])
  t.same(await query(server.url, 'SHOW fsync'), [{ fsync: 'on' }], 'durability settings stay at their defaults')
  t.same(await query(server.url, 'SHOW synchronous_commit'), [{ synchronous_commit: 'on' }])

  const other = await server.createDatabase('second')
  await query(other, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)')

  const held = new pg.Client({ connectionString: other })
  await held.connect()
  const cut = new Promise<Error>((resolve) => held.on('error', resolve))
  await server.takeDown()
  t.ok(await cut, 'a connection open while the server goes down is cut')
  await t.rejects(query(other, 'SELECT 1'), 'no connection while it is down')
  await server.bringUp()
  t.same(await query(other, 'SELECT n FROM kept'), [{ n: 7 }], 'the same port and data after bringUp')
  await held.end().catch(() => {})

  await server.restart()
  t.same(await query(other, 'SELECT n FROM kept'), [{ n: 7 }], 'and after restart')

  await server.stop()
  t.notOk(existsSync(server.folder), 'stop removes the folder')
  await server.stop()
})
