import { randomBytes } from 'node:crypto'

/** A heap ID: 128 random bits in base64url (22 characters), unguessable and URL-safe. */
export function newHeapId (): string {
  return randomBytes(16).toString('base64url')
}
