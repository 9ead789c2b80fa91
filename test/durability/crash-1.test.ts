/** The crash test (crash-scenario.ts), first part of the SIGKILLs; crash-2.test.ts runs the rest in parallel. */
import { TOTAL_KILLS, crashTest } from './crash-scenario.js'

crashTest(Math.ceil(TOTAL_KILLS / 2))
