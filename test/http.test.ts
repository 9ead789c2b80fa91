/** Every test/http/*.test.ts in this one test process (see helpers/together.ts). */
import { runTogether } from './helpers/together.js'

await runTogether(new URL('./http/', import.meta.url))
