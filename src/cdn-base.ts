/**
 * Entry of the base IIFE bundle (dist/authsocket-base.iife.min.js): the global `BaseAuthSocket`
 * is the class itself, carrying every other export of the base (the providers, the parsers, the
 * errors), so `new BaseAuthSocket(url, { credentials: BaseAuthSocket.cookie() })` works from a
 * script tag. No feature, no graphql-ws preset, no `sharedAcrossTabs`: the full file (cdn.ts) has them.
 * @module
 */
import * as api from './base-api.js'

export default Object.assign(api.BaseAuthSocket, api)
