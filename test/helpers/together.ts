/**
 * Runs every *.test.ts file of a folder in the calling test process, one file after another in
 * name order, as if they were one file. Each test process costs about 2 s of CPU before its first
 * test (Node, tap, the coverage hooks, and for the HTTP tests Fastify and zod); for folders of
 * many small files that start-up was most of their time in `npm test`. package.json's tap.exclude
 * keeps tap from also running those files on their own; `npx tap test/http/auth.test.ts` or
 * `npx tap test/http` still runs them one process each.
 */
import { readdirSync } from 'node:fs'

export async function runTogether (folder: URL): Promise<void> {
  const files = readdirSync(folder).filter((name) => name.endsWith('.test.ts')).sort()
  if (files.length === 0) throw new Error(`no test files in ${folder.pathname}`)
  // Each import queues the file's tests on tap's root test, behind the files before it.
  for (const name of files) await import(new URL(name, folder).href)
}
