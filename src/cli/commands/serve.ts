/** `heapd serve`: the service itself, as `npm start` runs it. */
import type { Command } from '../command.js'

export const serveCommand: Command = {
  path: ['serve'],
  args: [],
  summary: 'run the service',
  help: `Runs the heapd service in this process, as \`npm start\` does, until SIGTERM or SIGINT (in-flight
requests finish first). It is configured by the environment (PORT, HOST, HEAPD_DATA, HEAPD_API_KEYS,
...: see docs/configuration.md) and logs JSON lines to standard output.`,
  options: {},
  async run () {
    await import('../../server.js')
  }
}
