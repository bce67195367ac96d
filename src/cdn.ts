/**
 * Entry of the IIFE bundle: the global `AuthSocket` is the class itself, carrying every other
 * export, so both `new AuthSocket(url, { credentials: AuthSocket.cookie() })` and
 * `new AuthSocket.AuthSocket(...)` work from a script tag.
 * @module
 */
import * as api from './client-api.js'

export default Object.assign(api.AuthSocket, api)
