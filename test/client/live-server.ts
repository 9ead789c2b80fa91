/**
 * The built service (dist/server.js) as a child process on a free port, for the clients' tests:
 * they talk to it the way a user's program does. Stopped when the test ends.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { ensureBuilt, ROOT, SERVER_JS } from '../helpers/built-server.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface LiveServer {
  url: string
  /** Resolves when the process has exited. */
  stop: () => Promise<void>
}

export async function startServer (t: Teardown, env: Record<string, string> = {}): Promise<LiveServer> {
  ensureBuilt()
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  t.teardown(stop)
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      const address = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)
      if (address !== null) resolve(address[1]!)
    })
    child.on('exit', (code) => reject(new Error(`the server exited with ${code} before listening: ${stderr}`)))
  })
  return { url, stop }
}
