// The persistent outbox's test page: the package's AuthSocket, its providers and the opt-in
// PersistentOutbox as one global, the shape the script-tag file gives (cdn.html), for page scripts.
import * as api from 'authsocket'

const global = window as unknown as { AuthSocket: unknown }
global.AuthSocket = Object.assign(api.AuthSocket, api)
document.getElementById('log')!.textContent = 'manual mode: window.AuthSocket is ready, with PersistentOutbox\n'
