/** Runs the built `heapd` command (dist/cli/main.js) as a user's shell would, and collects what it printed. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ensureBuilt, ROOT } from '../helpers/built-server.js'

export const HEAPD_JS = join(ROOT, 'dist', 'cli', 'main.js')

export interface Ran { code: number | null, stdout: string, stderr: string }

export function heapd (args: string[], options: { env?: Record<string, string>, input?: string } = {}): Promise<Ran> {
  ensureBuilt()
  const child = spawn(process.execPath, [HEAPD_JS, ...args], {
    cwd: ROOT,
    env: { ...process.env, HEAPD_URL: '', HEAPD_API_KEY: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += String(chunk) })
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  child.stdin.end(options.input ?? '')
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}
