/**
 * The real server (the built dist/server.js) as a child process with a data file, for crash
 * tests: start it, learn its address from its log, SIGKILL it (helpers/heapd-process.ts).
 */
import { startInstance, type Instance } from '../helpers/heapd-process.js'

export type ServerProcess = Instance

export async function startServer (dataFile: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return await startInstance({ HEAPD_DATA: dataFile, ...env })
}
