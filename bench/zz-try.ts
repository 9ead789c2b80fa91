import { createAllocator } from '../src/allocator/index.js'
for (const strategy of ['tlsf', 'first-fit'] as const) {
  for (let k = 0; k < 5; k++) {
    const t0 = process.hrtime.bigint()
    const a = createAllocator({ size: 2 ** 40, strategy })
    const t1 = process.hrtime.bigint()
    for (let i = 0; i < 1000; i++) a.alloc(64)
    const t2 = process.hrtime.bigint()
    console.log(strategy, 'create', Number(t1 - t0) / 1e3, 'us; 1000 allocs', Number(t2 - t1) / 1e3, 'us', (a as any).bookkeepingBytes?.())
  }
}
