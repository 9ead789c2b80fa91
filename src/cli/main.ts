#!/usr/bin/env node
/** The `heapd` command (package.json bin): `heapd --help` lists what it does. */
import { run } from './run.js'

let interrupted: AbortController | undefined

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  rows: process.stdout.isTTY ? process.stdout.rows : undefined,
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  interrupted: () => {
    if (interrupted === undefined) {
      const controller = new AbortController()
      process.once('SIGINT', () => controller.abort())
      interrupted = controller
    }
    return interrupted.signal
  }
})
