/**
 * The command line's parsing and help, in process (no service needed): every command's --help,
 * and every kind of usage error is exit code 2 with one line on stderr. cli.test.ts spawns the
 * built command for the rest.
 */
import t from 'tap'
import { COMMANDS, run, type Io } from '../../src/cli/run.js'

async function heapd (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    out: (text) => { stdout += text },
    err: (text) => { stderr += text },
    columns: undefined,
    rows: undefined,
    isTTY: false,
    env,
    interrupted: () => new AbortController().signal
  }
  const code = await run(args, io)
  return { code, stdout, stderr }
}

t.test('--help for every command: its usage line, its options and the global ones', async (t) => {
  for (const command of COMMANDS) {
    const words = command.path.join(' ')
    for (const flag of ['--help', '-h']) {
      const help = await heapd([...command.path, flag])
      t.equal(help.code, 0, `${words} ${flag}`)
      const args = command.args.map((arg) => arg.endsWith('?') ? ` \\[${arg.slice(0, -1)}\\]` : ` ${arg}`).join('')
      t.match(help.stdout, new RegExp(`^usage: heapd ${words}${args}`), 'optional arguments in brackets')
      for (const option of Object.keys(command.options)) t.match(help.stdout, `--${option}`, `${words}: --${option} is explained`)
      t.match(help.stdout, '--api-key KEY')
    }
  }
  const group = await heapd(['heaps', '--help'])
  t.equal(group.code, 0)
  t.match(group.stdout, /usage: heapd heaps create.*\n.*\nusage: heapd heaps ls/)
  t.equal((await heapd(['help'])).code, 0)
})

t.test('usage errors: exit code 2, one line on stderr naming the command\'s help, nothing sent', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['bogus'], /unknown command "bogus"/],
    [['heaps', 'bogus'], /unknown command "heaps bogus"/],
    [['heaps'], /^$/],
    [['alloc', 'h'], /expected HEAP SIZE, got h \(see heapd alloc --help\)/],
    [['free', 'h', '1', '2'], /expected HEAP PTR/],
    [['alloc', 'h', '1.3K'], /1\.3K is not a whole number of bytes/],
    [['alloc', 'h', '12', '--colour'], /Unknown option '--colour'/],
    [['alloc', 'h', '12', '--align'], /--align/],
    [['heaps', 'create'], /--size is required/],
    [['heaps', 'create', '--size', 'big'], /--size "big" is not a size/],
    [['heaps', 'create', '--size', '1K', '--strategy', 'worst-fit'], /--strategy must be one of first-fit, best-fit, tlsf/],
    [['batch', 'h'], /-f FILE is required/],
    [['batch', 'h', '-f', '/no/such/file'], /cannot read \/no\/such\/file/],
    [['stats', 'h', '--timeout', 'soon'], /--timeout soon is not a number of seconds/],
    [['stats', 'h', '--watch', '--interval', '0'], /--interval 0 is not a number of seconds/],
    [['layout', 'h', '--json', '--from', '1'], /--from and --to need --buckets/],
    [['heaps', 'ls', '--url', 'not a url'], /"not a url" is not a URL/]
  ]
  for (const [args, message] of cases) {
    const ran = await heapd(args, { HEAPD_URL: 'http://127.0.0.1:9' })
    t.equal(ran.code, 2, args.join(' '))
    if (args.length > 1 || args[0] !== 'heaps') {
      t.match(ran.stderr, /^heapd: usage: [^\n]+\n$/, `${args.join(' ')}: one line`)
      t.match(ran.stderr, message)
    }
  }
  const bad = await heapd(['heaps', 'ls'], { HEAPD_URL: 'nope' })
  t.match(bad, { code: 2, stderr: /"nope" is not a URL \(--url or HEAPD_URL\)/ })
})

t.test('a heap ID that begins with "-" is an argument, not an option', async (t) => {
  // Port 9 (discard) refuses the connection: parsing passed when the exit code is 3, not 2.
  const env = { HEAPD_URL: 'http://127.0.0.1:9' }
  for (const args of [['heaps', 'get', '-Jiwxfxuq2DSCq1yRO6o3w'], ['alloc', '-h2', '64', '--tag', 'x'], ['free', '--json', '-abc', '0']]) {
    const ran = await heapd(args, env)
    t.equal(ran.code, 3, `${args.join(' ')}: ${ran.stderr.trim()}`)
  }
  t.equal((await heapd(['alloc', '-h'], env)).code, 0, '-h alone is still help')
})
