import t from 'tap'
import { formatBytes, parseSize } from '../../src/cli/units.js'
import { UsageError } from '../../src/cli/usage.js'

t.test('sizes with units: binary for K and KiB, decimal for KB, powers, plain bytes', async (t) => {
  const cases: Array<[string, number]> = [
    ['4096', 4096], ['0', 0], ['12B', 12], ['64K', 65536], ['64k', 65536], ['64KiB', 65536], ['64Ki', 65536], ['64KB', 64000],
    ['64kB', 64000], ['1MiB', 2 ** 20], ['1M', 2 ** 20], ['1MB', 1e6], ['1GiB', 2 ** 30], ['1G', 2 ** 30], ['1GB', 1e9],
    ['2T', 2 * 2 ** 40], ['1.5K', 1536], ['0.5MiB', 2 ** 19], ['2^40', 2 ** 40],
    ['3^3', 27], ['7P', 7 * 2 ** 50], [' 1K ', 1024]
  ]
  for (const [text, bytes] of cases) t.equal(parseSize(text), bytes, text)
  t.equal(parseSize('9007199254740991'), Number.MAX_SAFE_INTEGER, 'the largest safe integer, exactly')
})

t.test('what is not a size is a usage error that names the argument', async (t) => {
  for (const text of ['', 'abc', '-1', '1.', '.5K', '1X', '1 KiBB', '2^', 'K', '1e6', '0x10']) {
    t.throws(() => parseSize(text, '--size'), UsageError, JSON.stringify(text))
  }
  t.throws(() => parseSize('1.3K'), { message: /not a whole number of bytes/ })
  t.throws(() => parseSize('2^53'), { message: /more than 2\^53 - 1/ })
  t.throws(() => parseSize('8E'), { message: /more than 2\^53 - 1/ })
  t.throws(() => parseSize('x', 'ptr'), { message: /^ptr "x" is not a size/ })
})

t.test('bytes for people: the largest binary unit reached, two decimals at most', async (t) => {
  t.equal(formatBytes(0), '0 B')
  t.equal(formatBytes(1023), '1023 B')
  t.equal(formatBytes(1024), '1 KiB')
  t.equal(formatBytes(1536), '1.5 KiB')
  t.equal(formatBytes(2 ** 30), '1 GiB')
  t.equal(formatBytes(2 ** 40 + 2 ** 39), '1.5 TiB')
  t.equal(formatBytes(Number.MAX_SAFE_INTEGER), '8 PiB')
})
