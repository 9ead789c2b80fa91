/**
 * The Python client's unittest suite (clients/python/tests), run by the machine's python3 against
 * the built service, so that it counts in `npm test`. Skipped only when there is no python3.
 */
import { spawn, spawnSync } from 'node:child_process'
import t from 'tap'
import { ROOT } from '../helpers/built-server.js'
import { startServer } from '../client/live-server.js'

const version = spawnSync('python3', ['--version'], { encoding: 'utf8' })

t.test('python3 -m unittest: clients/python against the service', {
  skip: version.error !== undefined ? `no python3 on this machine (${version.error.message})` : false
}, async (t) => {
  const server = await startServer(t)
  const child = spawn('python3', ['-m', 'unittest', 'discover', '-v', '-s', 'clients/python/tests'], {
    cwd: ROOT,
    env: { ...process.env, HEAPD_URL: server.url, PYTHONDONTWRITEBYTECODE: '1' }
  })
  let output = ''
  child.stdout.on('data', (chunk) => { output += String(chunk) })
  child.stderr.on('data', (chunk) => { output += String(chunk) })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  t.equal(code, 0, output)
  t.match(output, /\nOK\n/, 'every test passed')
  t.notMatch(output, /skipped/, 'none skipped: the service was there')
  t.match(output, /test_one_method_per_operation_id/, 'the operationId check ran')
})
