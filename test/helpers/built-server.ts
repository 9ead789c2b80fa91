/**
 * The built server, dist/server.js, for tests that run it as a child process (end to end, crash
 * recovery): what `npm start` runs, and far quicker to start than src/server.ts through a loader.
 * `npm test` builds first (pretest); a test file run on its own builds when dist is missing or
 * older than src.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const SERVER_JS = join(ROOT, 'dist', 'server.js')

function newestSource (dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

function isFresh (): boolean {
  let builtAt = 0
  try { builtAt = statSync(SERVER_JS).mtimeMs } catch {}
  return builtAt > newestSource(join(ROOT, 'src'))
}

/** Builds dist unless it is fresh. Test files run in parallel: one builds, the others wait for it. */
export function ensureBuilt (): void {
  if (isFresh()) return
  const lock = join(ROOT, '.dist-building')
  try {
    mkdirSync(lock)
  } catch {
    // Another test process is building: wait for it (a lock left by a killed build expires).
    const until = Date.now() + 120_000
    while (existsSync(lock) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    if (isFresh()) return
    mkdirSync(lock, { recursive: true })
  }
  try {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}
