/**
 * The persistent outbox (issue 25) in Chromium against the Django package: the page-goes-away
 * scenarios of test/e2e/persist-scenarios.ts on the interop app's `ws/stream/` (the package's
 * DeliveryMixin, sessions in this worker's memory, each ack held back 1.5 s), from the demo's page
 * built with the opt-in feature, served on the app's own origin. The app's test hooks
 * (interop/views.py) refuse new sockets, close the live ones (1000, a drop), and count each stream
 * as it reaches the application.
 */
import { expect, test } from '@playwright/test'
import { pageGoesAwayTests, type PersistServer } from '../../e2e/persist-scenarios.js'

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

pageGoesAwayTests(DJANGO)
