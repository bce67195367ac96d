/**
 * {@link AuthSocket}'s surface: the base's (base-api.ts), AuthSocket, every feature it has, the
 * status store and Observable functions, the graphql-ws preset and `sharedAcrossTabs`. The full
 * CDN file (cdn.ts) is this; index.ts adds the opt-in features (feature.ts's `OPT_IN`), which a
 * script tag would otherwise carry for every page.
 * @module
 */
export * from './base-api.js'
export { AuthSocket } from './client.js'
export { statusStore } from './status.js'
export { messages } from './observable.js'
export { Heartbeat } from './heartbeat.js'
export { Delivery } from './delivery.js'
export { PageLifecycle } from './page.js'
export { SharedSocket } from './shared-socket.js'
export { graphqlWs, graphqlWsAck, graphqlWsControl, type GraphqlWsOptions } from './graphql-ws.js'
export { sharedAcrossTabs, type SharedAcrossTabsOptions } from './tabs.js'
