/**
 * A cluster for tests: N heapd processes (the built dist/server.js) on one PostgreSQL database, each
 * on its own loopback port, that a test can SIGKILL, pause (SIGSTOP) and resume (SIGCONT); and nginx
 * in front of them, configured by deploy/nginx.conf itself with the upstream servers and the listen
 * address replaced by the test's, and every file nginx writes kept in a temporary folder.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { ROOT } from '../helpers/built-server.js'
import { startInstance, type Instance } from '../helpers/heapd-process.js'
import { freePort } from './postgres.js'

export { startInstance, type Instance }

export const NGINX_CONF = join(ROOT, 'deploy', 'nginx.conf')

/** The environment of an instance on the PostgreSQL database at `url`. */
export function onDatabase (url: string, env: Record<string, string> = {}): Record<string, string> {
  return { HEAPD_DATABASE_URL: url, ...env }
}

/** `count` instances started together with the same `env`, killed at the teardown of `t`. */
export async function startInstances (t: Test, count: number, env: Record<string, string> = {}): Promise<Instance[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, async () => await startInstance(env)))
  const instances = started.flatMap((result) => result.status === 'fulfilled' ? [result.value] : [])
  t.teardown(async () => { await Promise.all(instances.map(async (instance) => await instance.kill())) })
  const failed = started.find((result) => result.status === 'rejected')
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
  return instances
}

/**
 * deploy/nginx.conf with its upstream servers replaced by `upstreamPorts` on 127.0.0.1 and its
 * `listen` by 127.0.0.1:`listenPort`; everything else (hashing, retries, timeouts, headers,
 * error pages) as deployed.
 */
export function renderSite (upstreamPorts: number[], listenPort: number, template = readFileSync(NGINX_CONF, 'utf8')): string {
  const upstream = /(upstream heapd \{[^}]*?)((?:[ \t]*server [^;]+;\n)+)/
  const match = upstream.exec(template)
  if (match === null) throw new Error(`${NGINX_CONF}: no "upstream heapd { server ...; }" block`)
  const options = /server \S+((?: [a-z_]+=\S+)*);/.exec(match[2]!)![1]
  const servers = upstreamPorts.map((port) => `  server 127.0.0.1:${port}${options};\n`).join('')
  const site = template.replace(upstream, `$1${servers}`)
  if (!/listen \d+;/.test(site)) throw new Error(`${NGINX_CONF}: no "listen <port>;"`)
  return site.replace(/listen \d+;/, `listen 127.0.0.1:${listenPort};`)
}

/** A whole nginx.conf around the site: the process's own files in `folder`, in the foreground. */
export function renderNginxConf (site: string, folder: string): string {
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(folder, 'nginx.pid')};`,
    `error_log ${join(folder, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    // Which instance answered each request: the test's view of the routing.
    '  log_format routed \'$request_method $uri $status $upstream_addr $upstream_status\';',
    `  access_log ${join(folder, 'access.log')} routed;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(folder, kind)};`),
    site,
    '}',
    ''
  ].join('\n')
}

export interface Nginx {
  /** http://127.0.0.1:<port> */
  readonly base: string
  readonly port: number
  /** The master process. */
  readonly pid: number
  /** nginx's error log so far (upstream failures, retries to the next instance). */
  errorLog: () => string
  /** The access log so far: one line per request, "<method> <uri> <status> <upstream address(es)> <upstream status(es)>". */
  accessLog: () => string
  /** A fast shutdown (SIGTERM), then the folder removed. */
  stop: () => Promise<void>
}

/** nginx on PATH, or Debian's /usr/sbin/nginx (not on an unprivileged user's PATH). */
export function findNginx (): string {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    if (spawnSync(candidate, ['-v']).error === undefined) return candidate
  }
  throw new Error('nginx not found (on PATH nor /usr/sbin/nginx): the cluster tests need it (Debian: apt-get install nginx)')
}

async function accepts (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** nginx in front of the instances at `upstreamPorts`, stopped at the teardown of `t`. */
export async function startNginx (t: Test, upstreamPorts: number[]): Promise<Nginx> {
  const nginx = await launchNginx(upstreamPorts)
  t.teardown(nginx.stop)
  return nginx
}

/** nginx in front of the instances at `upstreamPorts`; the caller stops it. */
export async function launchNginx (upstreamPorts: number[]): Promise<Nginx> {
  const folder = mkdtempSync(join(tmpdir(), 'heapd-nginx-'))
  // Run as root, nginx's workers are another user: they buffer large bodies in temp folders here.
  chmodSync(folder, 0o755)
  const port = await freePort()
  const conf = join(folder, 'nginx.conf')
  writeFileSync(conf, renderNginxConf(renderSite(upstreamPorts, port), folder))
  const child = spawn(findNginx(), ['-c', conf, '-p', folder, '-e', join(folder, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const read = (name: string): string => { try { return readFileSync(join(folder, name), 'utf8') } catch { return '' } }
  const errorLog = (): string => read('error.log')
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    rmSync(folder, { recursive: true, force: true })
  }
  const until = Date.now() + 10_000
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > until) {
      const log = errorLog()
      await stop()
      throw new Error(`nginx did not start: ${stderr}${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { base: `http://127.0.0.1:${port}`, port, pid: child.pid!, errorLog, accessLog: () => read('access.log'), stop }
}
