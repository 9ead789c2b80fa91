import t from 'tap'
import { Registry } from 'prom-client'
import { RequestMetrics } from '../../src/http/request-metrics.js'

const names = { requests: 'x_requests_total', duration: 'x_duration_seconds' }
const help = { requests: 'requests', duration: 'duration' }

t.test('counts per method, route and status; cumulative buckets with le inclusive; sum and count', async (t) => {
  const registry = new Registry()
  const metrics = new RequestMetrics([0.1, 1])
  metrics.register(registry, names, help)
  metrics.record('GET', '/a', 200, 0.05)
  metrics.record('GET', '/a', 200, 0.1) // on a bound: counted in that bucket (le means <=)
  metrics.record('GET', '/a', 200, 5)
  metrics.record('GET', '/a', 404, 0.5)
  metrics.record('POST', '/a', 200, 0.5)
  const text = await registry.metrics()
  const lines = text.split('\n')
  const value = (series: string) => Number(lines.find((l) => l.startsWith(series + ' '))?.slice(series.length + 1))
  t.equal(value('x_requests_total{method="GET",route="/a",status="200"}'), 3)
  t.equal(value('x_requests_total{method="GET",route="/a",status="404"}'), 1)
  t.equal(value('x_requests_total{method="POST",route="/a",status="200"}'), 1)
  t.equal(value('x_duration_seconds_bucket{le="0.1",method="GET",route="/a",status="200"}'), 2)
  t.equal(value('x_duration_seconds_bucket{le="1",method="GET",route="/a",status="200"}'), 2)
  t.equal(value('x_duration_seconds_bucket{le="+Inf",method="GET",route="/a",status="200"}'), 3)
  t.equal(value('x_duration_seconds_sum{method="GET",route="/a",status="200"}'), 5.15)
  t.equal(value('x_duration_seconds_count{method="GET",route="/a",status="200"}'), 3)
  t.equal(value('x_duration_seconds_bucket{le="0.1",method="GET",route="/a",status="404"}'), 0)
  t.equal(value('x_duration_seconds_bucket{le="1",method="GET",route="/a",status="404"}'), 1)
  t.match(text, '# TYPE x_requests_total counter')
  t.match(text, '# TYPE x_duration_seconds histogram')
  registry.resetMetrics()
  t.notMatch(await registry.metrics(), 'route=')
})
