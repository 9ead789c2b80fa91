/**
 * A throwaway PostgreSQL for tests: Debian's server binaries, `initdb` into a fresh temporary
 * folder, `pg_ctl start` on a free loopback port with its unix socket in that folder too, trust
 * authentication on 127.0.0.1 only. When the tests run as root the server runs as the `postgres`
 * user (PostgreSQL refuses root). Durability settings stay at their defaults (fsync on, synchronous
 * commit), so an acknowledged commit here means what it means in production.
 *
 * One server per test file (initdb takes about a second); `createDatabase` gives each test its own
 * database in it. The server is stopped and its folder removed on `stop()`, and on the test
 * process's exit should a test forget.
 */
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Test } from 'tap'

export interface TestPostgres {
  /** The temporary folder holding the data, the socket and server.log; removed by `stop()`. */
  readonly folder: string
  /** The loopback port the server listens on (the same across `restart()`). */
  readonly port: number
  /** postgres:// URL of the database created for this server at start. */
  readonly url: string
  /** postgres:// URL of another database of the same server. */
  urlOf: (database: string) => string
  /** Creates an empty database and answers its URL. */
  createDatabase: (name: string) => Promise<string>
  /** `pg_ctl stop -m fast`: connections are cut, the data stays; `bringUp()` starts it again. */
  takeDown: () => Promise<void>
  /** Starts the server again on the same port and data, after `takeDown()`. */
  bringUp: () => Promise<void>
  /** `takeDown()` then `bringUp()`. */
  restart: () => Promise<void>
  /** Stops the server and removes its folder; safe to call twice. */
  stop: () => Promise<void>
}

export interface PostgresOptions {
  /** Name of the database created at start (default `heapd`). */
  database?: string
  /** Extra server settings (`-c name=value`), e.g. `{ max_connections: '50' }`. */
  settings?: Record<string, string>
}

const SERVER_USER = 'postgres'

/** The newest of Debian's PostgreSQL server versions installed, or of the binaries on PATH. */
export function findPostgresBin (): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const bin = join(root, version, 'bin')
    if (['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(bin, name)))) return bin
  }
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' })
  const initdb = onPath.stdout.trim()
  if (onPath.status === 0 && initdb !== '') return join(initdb, '..')
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin nor on PATH: ' +
    'the cluster tests need them (Debian: apt-get install postgresql-15, or postgresql)')
}

/** The uid and gid the server runs as: ours, or the `postgres` user's when we are root. */
function serverAccount (): { uid: number, gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const found = spawnSync('id', ['-u', SERVER_USER], { encoding: 'utf8' })
  const groups = spawnSync('id', ['-g', SERVER_USER], { encoding: 'utf8' })
  if (found.status !== 0 || groups.status !== 0) {
    throw new Error(`running as root, and PostgreSQL refuses to run as root: a "${SERVER_USER}" user is needed (Debian's postgresql package creates it)`)
  }
  return { uid: Number(found.stdout.trim()), gid: Number(groups.stdout.trim()) }
}

/** Runs a PostgreSQL program to completion, as the server's user; throws with its output on failure. */
function run (bin: string, program: string, args: string[], asPostgres: boolean): void {
  const command = asPostgres ? 'runuser' : join(bin, program)
  const argv = asPostgres ? ['-u', SERVER_USER, '--', join(bin, program), ...args] : args
  // LC_ALL=C: initdb and the server take no locale from the test machine.
  const result = spawnSync(command, argv, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 })
  if (result.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`)
  }
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Servers still running, stopped synchronously on exit (an `exit` handler cannot wait). */
const running = new Set<() => void>()
let exitHooked = false
function stopAllOnExit (): void {
  if (exitHooked) return
  exitHooked = true
  const stopAll = (): void => { for (const stop of running) stop() }
  process.once('exit', stopAll)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopAll()
      process.kill(process.pid, signal)
    })
  }
}

export async function startPostgres (options: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = findPostgresBin()
  const account = serverAccount()
  const asPostgres = account !== undefined
  const folder = mkdtempSync(join(tmpdir(), 'heapd-pg-'))
  if (account !== undefined) chownSync(folder, account.uid, account.gid)
  const data = join(folder, 'data')
  const log = join(folder, 'server.log')
  const database = options.database ?? 'heapd'
  let port = 0
  let up = false
  let removed = false

  const pgCtl = (args: string[]): void => run(bin, 'pg_ctl', ['-D', data, ...args], asPostgres)
  const logTail = (): string => {
    try { return readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') } catch { return '' }
  }
  const serverArgs = (): string => [
    `-p ${port}`, `-k ${folder}`, '-c listen_addresses=127.0.0.1',
    ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`)
  ].join(' ')
  const start = (): void => {
    try {
      pgCtl(['start', '-w', '-t', '60', '-l', log, '-o', serverArgs()])
    } catch (error) {
      throw new Error(`${(error as Error).message}\nserver log:\n${logTail()}`)
    }
    up = true
  }
  const stopServer = (): void => {
    if (!up) return
    up = false
    pgCtl(['stop', '-w', '-t', '60', '-m', 'fast'])
  }
  const remove = (): void => {
    if (removed) return
    removed = true
    running.delete(remove)
    try { stopServer() } catch {}
    rmSync(folder, { recursive: true, force: true })
  }
  running.add(remove)
  stopAllOnExit()

  const urlOf = (name: string): string => `postgres://${SERVER_USER}@127.0.0.1:${port}/${encodeURIComponent(name)}`
  const createDatabase = async (name: string): Promise<string> => {
    const client = new pg.Client({ connectionString: urlOf('postgres') })
    await client.connect()
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
    } finally {
      await client.end()
    }
    return urlOf(name)
  }

  try {
    // --no-sync: only initdb's own files skip fsync (a fresh folder nobody needs after a crash);
    // the running server keeps fsync and synchronous_commit on.
    run(bin, 'initdb', ['-D', data, '--auth=trust', `--username=${SERVER_USER}`, '--encoding=UTF8', '--locale=C', '--no-sync'], asPostgres)
    // A port found free can be taken before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      try {
        start()
        break
      } catch (error) {
        if (attempt === 3) throw error
      }
    }
    await createDatabase(database)
  } catch (error) {
    remove()
    throw error
  }

  const takeDown = async (): Promise<void> => { stopServer() }
  const bringUp = async (): Promise<void> => { if (!up) start() }
  return {
    folder,
    get port () { return port },
    url: urlOf(database),
    urlOf,
    createDatabase,
    takeDown,
    bringUp,
    restart: async () => { await takeDown(); await bringUp() },
    stop: async () => { remove() }
  }
}

/** A server for the test file of `t`, stopped and removed at its teardown. */
export async function postgresFor (t: Test, options: PostgresOptions = {}): Promise<TestPostgres> {
  const server = await startPostgres(options)
  t.teardown(() => server.stop())
  return server
}
