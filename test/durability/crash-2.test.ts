/** The crash test (crash-scenario.ts), second part of the SIGKILLs; crash-1.test.ts runs the first in parallel. */
import { TOTAL_KILLS, crashTest } from './crash-scenario.js'

crashTest(Math.floor(TOTAL_KILLS / 2))
