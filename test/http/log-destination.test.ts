import t from 'tap'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { TurnBatchedDestination } from '../../src/http/log-destination.js'
import { buildLogger } from '../../src/http/logger.js'

function recorder () {
  const writes: string[] = []
  return { writes, destination: new TurnBatchedDestination({ write: (text: string) => { writes.push(text) } }) }
}

t.test('the lines of one turn leave in one write, in order, by the end of that turn', async (t) => {
  const { writes, destination } = recorder()
  destination.write('a\n')
  destination.write('b\n')
  destination.write('c\n')
  t.same(writes, [], 'nothing is written while the turn runs')
  await nextTurn()
  t.same(writes, ['a\nb\nc\n'])
  destination.write('d\n')
  await nextTurn()
  t.same(writes, ['a\nb\nc\n', 'd\n'], 'a later turn writes its own lines')
  await nextTurn()
  t.equal(writes.length, 2, 'an idle turn writes nothing')
})

t.test('flushSync writes what is pending at once, and nothing twice', async (t) => {
  const { writes, destination } = recorder()
  destination.write('x\n')
  destination.write('y\n')
  destination.flushSync()
  t.same(writes, ['x\ny\n'])
  await nextTurn()
  t.same(writes, ['x\ny\n'])
  let called = false
  destination.write('z\n')
  destination.flush(() => { called = true })
  t.ok(called)
  t.same(writes, ['x\ny\n', 'z\n'])
})

t.test('a pino logger over it logs every line, as JSON, one per call', async (t) => {
  const { writes, destination } = recorder()
  const logger = buildLogger('info', destination)
  for (let i = 0; i < 5; i++) logger.info({ i }, 'line')
  logger.debug('below the level')
  await nextTurn()
  t.equal(writes.length, 1)
  const lines = writes.join('').trimEnd().split('\n').map((line) => JSON.parse(line) as { i: number, msg: string })
  t.same(lines.map((line) => line.i), [0, 1, 2, 3, 4])
  t.ok(lines.every((line) => line.msg === 'line'))
})
