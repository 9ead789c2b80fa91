/**
 * The real server (the built dist/server.js) as a child process with a data file, for crash
 * tests: start it, learn its address from the "Server listening at" log line, SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { ensureBuilt, ROOT, SERVER_JS } from '../helpers/built-server.js'

export interface ServerProcess {
  base: string
  child: ChildProcess
  /** Log lines so far, parsed. */
  lines: Array<Record<string, unknown>>
  /** SIGKILL, resolving once the process is gone. */
  kill: () => Promise<void>
}

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

export async function startServer (dataFile: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  ensureBuilt()
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: { ...withoutCoverage(process.env), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', HEAPD_DATA: dataFile, ...env },
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
    child.once('exit', () => reject(new Error(`server exited before listening: ${stderr}`)))
  })
  return {
    base,
    child,
    lines,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
  }
}
