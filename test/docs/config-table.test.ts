/**
 * docs/configuration.md's table and src/config.ts name the same environment variables. The
 * variables of config.ts are the keys of its environment schema (SCREAMING_CASE keys at the start
 * of a line), and each is checked to be one loadConfig really reads; the document's are the names
 * in the first column of the table under its "# Configuration" heading.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadConfig } from '../../src/config.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/

/** Environment variable names used as object keys in a TypeScript source (the zod schema's shape). */
function variablesOfSource (source: string): string[] {
  return [...source.matchAll(/^\s*([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\s*:/gm)].map((match) => match[1]!)
}

/** The names in the first column of the table in the markdown section `heading`. */
function variablesOfTable (markdown: string, heading = '# Configuration'): string[] {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => line.trim() === heading)
  if (start < 0) throw new Error(`no "${heading}" section`)
  const names: string[] = []
  let inTable = false
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2} /.test(line)) break
    if (!line.startsWith('|')) {
      if (inTable) break // the section's one table has ended
      continue
    }
    inTable = true
    const firstCell = line.split('|')[1] ?? ''
    if (/^[\s:-]+$/.test(firstCell)) continue // the separator row
    for (const [, name] of firstCell.matchAll(/`([^`]+)`/g)) {
      if (ENV_NAME.test(name!)) names.push(name!)
    }
  }
  return names
}

const SAMPLE_VALUES = ['1', '2', '0', 'true', 'false', 'x', 'documented-key:tenant']

/** Whether loadConfig reads `name`: some value either changes the config or is refused naming it. */
function isRead (name: string): boolean {
  const defaults = JSON.stringify(loadConfig({}))
  return SAMPLE_VALUES.some((value) => {
    try {
      return JSON.stringify(loadConfig({ [name]: value })) !== defaults
    } catch (error) {
      return error instanceof Error && error.message.includes(name)
    }
  })
}

const missingFrom = (names: string[], from: string[]) => names.filter((name) => !from.includes(name))

t.test('docs/configuration.md documents every variable src/config.ts reads, and no other', async (t) => {
  const source = await readFile(join(root, 'src', 'config.ts'), 'utf8')
  const document = await readFile(join(root, 'docs', 'configuration.md'), 'utf8')
  const inSource = variablesOfSource(source)
  const inTable = variablesOfTable(document)

  t.ok(inSource.includes('PORT') && inSource.includes('HEAPD_DATA'), `config.ts was parsed (${inSource.length} variables)`)
  t.same(inSource.filter((name) => !isRead(name)), [], 'every variable found in config.ts is one loadConfig reads')
  t.same(missingFrom(inSource, inTable), [], 'every variable of config.ts has a row in the table')
  t.same(missingFrom(inTable, inSource), [], 'every variable in the table is read by config.ts')
  t.same(inTable.filter((name, i) => inTable.indexOf(name) !== i), [], 'the table names each variable once')
})

t.test('the parsers see a missing or extra variable on either side', async (t) => {
  const source = 'const Env = z.object({\n  PORT: integer(3000),\n  HEAPD_NEW_LIMIT: integer(5, 1)\n})\nconst LOG_LEVELS = [\'info\']\n'
  t.same(variablesOfSource(source), ['PORT', 'HEAPD_NEW_LIMIT'], 'schema keys, not other constants')

  const document = [
    '# Configuration', '', 'Intro naming `HEAPD_NOT_IN_TABLE` in prose.', '',
    '| variable | default | meaning |', '| --- | --- | --- |',
    '| `PORT`, `HOST` | `3000`, `127.0.0.1` | where to listen |',
    '| `HEAPD_DATA` | unset | the `HEAPD_OTHER` in a later column is not a row |',
    '', 'After the table: `HEAPD_AFTER`.', '', '## Examples', '| `HEAPD_ELSEWHERE` | | |'
  ].join('\n')
  t.same(variablesOfTable(document), ['PORT', 'HOST', 'HEAPD_DATA'], 'the first column of the section\'s table only')
  t.same(missingFrom(variablesOfSource(source), variablesOfTable(document)), ['HEAPD_NEW_LIMIT'], 'a variable missing from the table is found')
  t.throws(() => variablesOfTable('# heapd\n'), /no "# Configuration" section/, 'a document without the section fails loudly')
  t.notOk(isRead('HEAPD_NOT_A_VARIABLE'), 'a name config.ts does not read is told apart')
  t.ok(isRead('HEAPD_DATA') && isRead('HOST') && isRead('HEAPD_METRICS'), 'free-text, string and boolean variables count as read')
})
