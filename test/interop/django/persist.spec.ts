/**
 * The persistent outbox (issue 25) in Chromium against the Django package: the page-goes-away
 * scenarios of test/e2e/persist-scenarios.ts on the interop app's `ws/stream/` (the package's
 * DeliveryMixin, sessions in this worker's memory, each ack held back 1.5 s), from the demo's page
 * built with the opt-in feature, served on the app's own origin. The app's test hooks
 * (interop/views.py) refuse new sockets, close the live ones (1000, a drop), and count each stream
 * as it reaches the application.
 */
import { expect, test } from '@playwright/test'
import { closed, killed, reloaded, sharedGroup, type PersistServer } from '../../e2e/persist-scenarios.js'

const DJANGO: PersistServer = {
  page: '/persist/',
  socket: '/ws/stream/',
  credentials: 'jwt',
  async hook(request, action) {
    expect((await request.post(`/test/stream/${action}/`)).ok()).toBe(true)
  },
  stats: async (request, stream) => (await (await request.get('/test/stream/stats/')).json()).streams[stream],
}

test.beforeEach(async ({ request }) => {
  await DJANGO.hook(request, 'reset')
  await DJANGO.hook(request, 'slow-acks')
})

test('reloaded mid-stream: every message sent before it reaches the Django application once, in order', async ({
  page,
  request,
}) => reloaded(page, request, DJANGO))

test('the tab closed mid-stream without beforeunload: a new tab sends the rest', async ({ page, context, request }) =>
  closed(page, context, request, DJANGO))

test('the browser process killed mid-stream: the same profile started again sends the rest', async ({
  request,
  baseURL,
}) => killed(request, baseURL!, DJANGO))

test(
  'shareSocket, five tabs: the holder closed mid-stream, then every tab; the next tab sends what the group kept, ' +
    'each message once, in order',
  async ({ context, request }) => {
    test.setTimeout(90_000)
    await sharedGroup(context, request, DJANGO)
  },
)
