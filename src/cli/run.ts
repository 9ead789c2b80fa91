/**
 * The `heapd` command line: finds the command its words name, parses the rest with node:util's
 * parseArgs, runs it, and turns every failure into one line on stderr and a documented exit code:
 * 0 ok, 1 the service refused (its problem's code on the line), 2 usage, 3 no answer from the service.
 */
import { HeapdConnectionError, HeapdError, HeapdTimeoutError } from '../client/index.js'
import { clientFor, GLOBAL_HELP, parse, type Command, type Output } from './command.js'
import { blockCommands } from './commands/blocks.js'
import { defragCommands } from './commands/defrag.js'
import { heapCommands } from './commands/heaps.js'
import { inspectCommands } from './commands/inspect.js'
import { replayCommands } from './commands/replay.js'
import { serveCommand } from './commands/serve.js'
import { EXIT, UsageError } from './usage.js'

export const COMMANDS: Command[] = [serveCommand, ...heapCommands, ...blockCommands, ...inspectCommands, ...defragCommands, ...replayCommands]

export interface Io extends Output {
  err: (text: string) => void
  env: NodeJS.ProcessEnv
  /** Aborted when the user interrupts (SIGINT); installed only by the commands that wait for it. */
  interrupted: () => AbortSignal
}

function usageLine (command: Command): string {
  const options = Object.keys(command.options).length > 0 ? ' [options]' : ''
  const args = command.args.map((arg) => arg.endsWith('?') ? `[${arg.slice(0, -1)}]` : arg)
  return ['heapd', ...command.path, ...args].join(' ') + options
}

export function overview (): string {
  const width = Math.max(...COMMANDS.map((command) => usageLine(command).length))
  return `heapd: virtual memory allocation as a service, from the command line.

Commands:
${COMMANDS.map((command) => `  ${usageLine(command).padEnd(width)}  ${command.summary}`).join('\n')}

Sizes take units: 64K and 64KiB are 65536 bytes, 64KB is 64000, 2^40 is a power of two.
Human-readable tables by default; --json prints the service's JSON answer as it is.
\`heapd COMMAND --help\` says more about each.

${GLOBAL_HELP}

Exit codes:
  0  done
  1  the service refused the request (stderr: "heapd: CODE (STATUS): detail", CODE its problem type)
  2  usage: unknown command, bad argument, unreadable file
  3  no answer: the service cannot be reached, or did not answer in time
`
}

function commandHelp (command: Command): string {
  return `usage: ${usageLine(command)}\n\n${command.help}\n\n${GLOBAL_HELP}\n`
}

/** The command named by the first words of argv, and the arguments after them. */
function find (argv: string[]): { command: Command, rest: string[] } | undefined {
  const matches = COMMANDS.filter((command) => command.path.every((word, index) => argv[index] === word))
  const command = matches.sort((a, b) => b.path.length - a.path.length)[0]
  return command === undefined ? undefined : { command, rest: argv.slice(command.path.length) }
}

export async function run (argv: string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(overview())
    return argv.length === 0 ? EXIT.usage : EXIT.ok
  }
  const found = find(argv)
  if (found === undefined) {
    const group = COMMANDS.filter((command) => command.path.length > 1 && command.path[0] === argv[0])
    if (group.length > 0 && (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h')) {
      io.out(group.map((command) => `usage: ${usageLine(command)}\n  ${command.summary}`).join('\n') + '\n')
      return argv[1] === undefined ? EXIT.usage : EXIT.ok
    }
    io.err(`heapd: usage: unknown command "${argv.slice(0, group.length > 0 ? 2 : 1).join(' ')}" (see heapd --help)\n`)
    return EXIT.usage
  }
  const { command, rest } = found
  try {
    const { values, positionals } = parse(command, rest)
    if (values.help === true) {
      io.out(commandHelp(command))
      return EXIT.ok
    }
    let client: ReturnType<typeof clientFor> | undefined
    const code = await command.run({
      ...io,
      json: values.json === true,
      values,
      positionals,
      client: () => (client ??= clientFor(values, io.env))
    })
    return typeof code === 'number' ? code : EXIT.ok
  } catch (error) {
    return report(error, command, io)
  }
}

function oneLine (text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function report (error: unknown, command: Command, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`heapd: usage: ${oneLine(error.message)} (see heapd ${command.path.join(' ')} --help)\n`)
    return EXIT.usage
  }
  if (error instanceof HeapdError) {
    io.err(`heapd: ${error.code} (${error.status}): ${oneLine(error.detail)}\n`)
    return EXIT.refused
  }
  if (error instanceof HeapdConnectionError || error instanceof HeapdTimeoutError) {
    io.err(`heapd: ${error.code}: ${oneLine(error.message)}\n`)
    return EXIT.unreachable
  }
  throw error
}
