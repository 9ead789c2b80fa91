/** Every test/allocator/*.test.ts in this one test process (see helpers/together.ts). */
import { runTogether } from './helpers/together.js'

await runTogether(new URL('./allocator/', import.meta.url))
