export * from './client-api.js'
export { PersistentOutbox, clearPersisted, type PersistOptions } from './persist.js'
