/**
 * `npm run record -- [-o <file>] <command ...>`: runs a command with alloctrace preloaded
 * (tools/alloctrace, built first when missing or older than its source) and writes the program's
 * heap allocations as a trace: `<file>`, or `<name>.trace`, name being the command's base name,
 * both relative to the folder npm was run from. Exits with the command's status. Linux only (LD_PRELOAD, glibc).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const TOOL = join(dirname(fileURLToPath(import.meta.url)), '..', 'tools', 'alloctrace')
export const LIBRARY = join(TOOL, 'build', 'liballoctrace.so')
const SOURCE = join(TOOL, 'alloctrace.c')

/** Builds the library unless it is newer than its source; throws with the compiler's words when it cannot. */
export function buildLibrary (): string {
  if (existsSync(LIBRARY) && statSync(LIBRARY).mtimeMs >= statSync(SOURCE).mtimeMs) return LIBRARY
  const built = spawnSync('sh', [join(TOOL, 'build.sh')], { encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`cannot build alloctrace (a C compiler is needed: cc, or $CC):\n${built.stderr}${built.error?.message ?? ''}`)
  return LIBRARY
}

/** Runs `command` with alloctrace recording into `out`; answers its exit status. */
export function record (command: string[], out: string): number {
  const library = buildLibrary()
  const env: NodeJS.ProcessEnv = { ...process.env, ALLOCTRACE_OUT: resolve(out) }
  // The library names the recording process itself; one left over from a caller would silence it.
  delete env.ALLOCTRACE_PID
  env.LD_PRELOAD = process.env.LD_PRELOAD === undefined || process.env.LD_PRELOAD === '' ? library : `${library} ${process.env.LD_PRELOAD}`
  const run = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit', env })
  if (run.error !== undefined) throw new Error(`cannot run ${command[0]}: ${run.error.message}`)
  return run.status ?? 1
}

function main (args: string[]): number {
  let out: string | undefined
  if (args[0] === '-o' || args[0] === '--out') {
    out = args[1]
    args = args.slice(2)
  }
  if (args.length === 0 || out === '') {
    console.error('usage: npm run record -- [-o <file>] <command ...>')
    return 2
  }
  if (process.platform !== 'linux') {
    console.error('alloctrace records through LD_PRELOAD, which needs Linux')
    return 2
  }
  // npm runs scripts in the package's folder; the trace goes where `npm run record` was typed.
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), out ?? `${basename(args[0]!)}.trace`)
  const status = record(args, file)
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []
  const count = (letter: string) => lines.filter((line) => line.startsWith(`${letter} `)).length
  console.error(`${file}: ${count('a')} allocs, ${count('f')} frees, ${count('r')} resizes`)
  return status
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (error) {
    console.error((error as Error).message)
    process.exitCode = 1
  }
}
