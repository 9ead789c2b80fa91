/** A command line the `heapd` command cannot run: wrong arguments, an unreadable input file. Exit code 2. */
export class UsageError extends Error {
  constructor (message: string, readonly command?: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The exit codes of `heapd`, as documented in docs/clients.md and `heapd --help`. */
export const EXIT = {
  ok: 0,
  refused: 1,
  usage: 2,
  unreachable: 3
} as const
