/**
 * The real server (the built dist/server.js) as a child process: start it with an environment,
 * learn its address from the "Server listening at" log line, SIGKILL, pause, resume or close it.
 * The crash tests give it a data file (durability/server-process.ts), the cluster tests a database
 * (cluster/instances.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { ensureBuilt, ROOT, SERVER_JS } from './built-server.js'

/**
 * The environment without tap's coverage hooks (the --import of its processinfo, which tap puts in
 * NODE_OPTIONS). A SIGKILLed process never writes its coverage, so in these children the hooks
 * would only cost time: about half of the CPU of each start.
 */
export function withoutCoverage (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = (env.NODE_OPTIONS ?? '').split(/\s+/).filter((option) => !/@tapjs[\\/]processinfo/.test(option)).join(' ')
  const bare: NodeJS.ProcessEnv = { ...env, NODE_OPTIONS: nodeOptions }
  for (const name of Object.keys(bare)) if (name.startsWith('_TAPJS_PROCESSINFO_')) delete bare[name]
  return bare
}

export interface Instance {
  /** http://127.0.0.1:<port> */
  readonly base: string
  readonly port: number
  readonly pid: number
  readonly child: ChildProcess
  /** Log lines so far, parsed. */
  readonly lines: Array<Record<string, unknown>>
  /** SIGKILL, resolving once the process is gone. */
  kill: () => Promise<void>
  /** SIGSTOP: the process keeps its sockets but runs nothing, as a machine that froze. */
  pause: () => void
  /** SIGCONT after `pause()`. */
  resume: () => void
  /** SIGTERM (a graceful close), resolving once the process is gone. */
  close: () => Promise<void>
}

/**
 * One heapd process, learning its port from its "listening" log line. `env` chooses the store:
 * HEAPD_DATABASE_URL for PostgreSQL (see `onDatabase`), HEAPD_DATA for SQLite, neither for memory.
 */
export async function startInstance (env: Record<string, string> = {}): Promise<Instance> {
  ensureBuilt()
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: { ...withoutCoverage(process.env), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stderr = ''
  child.stderr!.on('data', (chunk) => { stderr += String(chunk) })
  const lines: Array<Record<string, unknown>> = []
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Record<string, unknown>
      try { line = JSON.parse(text) as Record<string, unknown> } catch { return }
      lines.push(line)
      const match = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(line.msg))
      if (match !== null) resolve(match[1]!)
    })
    child.once('exit', (code, signal) => reject(new Error(`heapd exited before listening (${signal ?? `exit ${code}`}): ${stderr}`)))
  })
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null
  const signal = (name: NodeJS.Signals): void => { if (!gone()) child.kill(name) }
  return {
    base,
    port: Number(new URL(base).port),
    pid: child.pid!,
    child,
    lines,
    kill: async () => { signal('SIGKILL'); await exited },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    close: async () => {
      // A paused process would never see the SIGTERM.
      signal('SIGCONT')
      signal('SIGTERM')
      await exited
    }
  }
}
