/**
 * autocannon, run as a child process (its CLI with --json): the servers under test keep this
 * process to themselves, so the CPU time this process spends during a run is the server's work.
 * That figure (CPU per request) holds steady when other processes share the cores; req/s does not.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

export interface LoadResult {
  requestsPerSecond: number
  p50: number
  p99: number
  requests: number
  errors: number
  timeouts: number
  non2xx: number
  /** CPU time (user + system) of this process, the server, per request answered. */
  serverCpuUsPerRequest: number
}

export interface LoadOptions {
  url: string
  seconds: number
  connections: number
  method?: string
  /** A JSON body, sent with content-type application/json. */
  body?: string
}

interface CliResult {
  requests: { total: number }
  latency: { p50: number, p99: number }
  errors: number
  timeouts: number
  non2xx: number
  duration: number
}

export async function load (options: LoadOptions): Promise<LoadResult> {
  const args = [autocannonCli, '--json', '-c', String(options.connections), '-p', '1', '-d', String(options.seconds), '-m', options.method ?? 'POST']
  // The body goes through a file: a batch body can exceed what one command-line argument may hold.
  const dir = mkdtempSync(join(tmpdir(), 'heapd-bench-'))
  try {
    if (options.body !== undefined) {
      const file = join(dir, 'body.json')
      writeFileSync(file, options.body)
      args.push('-H', 'content-type=application/json', '-i', file)
    }
    args.push(options.url)
    const cpuStart = process.cpuUsage()
    const stdout = await run(process.execPath, args)
    const cpu = process.cpuUsage(cpuStart)
    const result = JSON.parse(stdout) as CliResult
    const requests = result.requests.total
    return {
      requestsPerSecond: requests / options.seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      serverCpuUsPerRequest: requests > 0 ? (cpu.user + cpu.system) / requests : NaN
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs a command without blocking this process's event loop (the servers keep answering). */
async function run (command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr.slice(-500)}`)
  return stdout
}
