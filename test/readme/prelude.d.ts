// Names the README's examples use without defining them: the app around the example.
declare const auth: { accessToken(): Promise<string>; refresh(): Promise<void>; logout(): void }
type ServerMsg = { type: 'chat'; user: string; text: string } | { type: 'presence'; users: string[] }
type ClientMsg = { type: 'chat'; text: string }
declare function render(message: ServerMsg): void
declare function showBanner(text: string): void
declare function reloadFromTheServer(): void
