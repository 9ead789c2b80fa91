/**
 * What a `heapd` command is: its usage line, its options for node:util's parseArgs, and what it
 * runs. The options every command takes (--url, --api-key, --json, --timeout, --help) are here too.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { HeapdClient } from '../client/index.js'
import { UsageError } from './usage.js'

export type Options = NonNullable<ParseArgsConfig['options']>
export type Values = Record<string, string | boolean | undefined>

export interface Output {
  out: (text: string) => void
  /** Terminal columns and rows; undefined when the output is not a terminal. */
  columns: number | undefined
  rows: number | undefined
  isTTY: boolean
}

export interface Context extends Output {
  /** The client, made on first use (`serve` needs none). */
  client: () => HeapdClient
  json: boolean
  values: Values
  positionals: string[]
  /** Aborted when the user interrupts (SIGINT); installed only by the commands that wait for it. */
  interrupted: () => AbortSignal
}

export interface Command {
  /** The words that select it: `['heaps', 'create']`. */
  path: string[]
  /** Positional arguments, in order, upper case as the usage line shows them; a trailing `?` marks an optional one. */
  args: string[]
  summary: string
  /** Help text after the usage line: what it does, its options, what it prints. */
  help: string
  options: Options
  run: (context: Context) => Promise<number | void>
}

export const GLOBAL_OPTIONS: Options = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
}

export const GLOBAL_HELP = `Options of every command:
  --url URL          the service (HEAPD_URL, default http://127.0.0.1:3000)
  --api-key KEY      sent as a bearer token (HEAPD_API_KEY)
  --json             print the service's JSON answer as it is
  --timeout SECONDS  time allowed for each attempt of a request (default 10)
  -h, --help         this help`

export const DEFAULT_URL = 'http://127.0.0.1:3000'

/** Parses the arguments after the command's words against its options and the global ones. */
export function parse (command: Command, argv: string[]): { values: Values, positionals: string[] } {
  let parsed
  try {
    const options = { ...GLOBAL_OPTIONS, ...command.options }
    parsed = parseArgs({ args: positionalsLast(argv, options), options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command.path.join(' '))
  }
  const values = parsed.values as Values
  if (values.help === true) return { values, positionals: parsed.positionals }
  const required = command.args.filter((arg) => !arg.endsWith('?')).length
  if (parsed.positionals.length < required || parsed.positionals.length > command.args.length) {
    const expected = command.args.length === 0 ? 'no arguments' : command.args.map((arg) => arg.replace(/\?$/, '')).join(' ')
    throw new UsageError(`expected ${expected}, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`, command.path.join(' '))
  }
  return { values, positionals: parsed.positionals }
}

/**
 * The arguments with every positional one after `--`. Heap IDs are base64url and may begin with
 * '-', which parseArgs would take for short options: an argument that names no option is positional.
 */
function positionalsLast (argv: string[], options: Options): string[] {
  const shorts = new Map<string, Options[string]>(Object.values(options).flatMap((option) => option.short !== undefined ? [[`-${option.short}`, option] as const] : []))
  const flags: string[] = []
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    const option = arg.startsWith('--') ? options[arg.slice(2).split('=')[0]!] : shorts.get(arg)
    if (!arg.startsWith('--') && option === undefined) {
      positionals.push(arg)
      continue
    }
    flags.push(arg)
    if (option?.type === 'string' && !arg.includes('=') && i + 1 < argv.length) flags.push(argv[++i]!)
  }
  return [...flags, '--', ...positionals]
}

/** The client for the options and the environment (HEAPD_URL, HEAPD_API_KEY). */
export function clientFor (values: Values, env: NodeJS.ProcessEnv): HeapdClient {
  const baseUrl = string(values.url) ?? env.HEAPD_URL ?? DEFAULT_URL
  const apiKey = string(values['api-key']) ?? (env.HEAPD_API_KEY === '' ? undefined : env.HEAPD_API_KEY)
  const timeout = string(values.timeout)
  let timeoutMs: number | undefined
  if (timeout !== undefined) {
    timeoutMs = Number(timeout) * 1000
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new UsageError(`--timeout ${timeout} is not a number of seconds above 0`)
  }
  try {
    new URL(baseUrl) // eslint-disable-line no-new -- only to refuse a malformed URL as a usage error
  } catch {
    throw new UsageError(`${JSON.stringify(baseUrl)} is not a URL (--url or HEAPD_URL)`)
  }
  return new HeapdClient({ baseUrl, ...(apiKey !== undefined ? { apiKey } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
}

export function string (value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** The JSON answer as the service sent it, for `--json`. */
export function printJson (context: Output, value: unknown): void {
  context.out(JSON.stringify(value) + '\n')
}
