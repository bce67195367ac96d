/** The recipes docs/django.md tells teams to copy are the files the interop tests run. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
const blocks = [...read('docs/django.md').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1])

describe('docs/django.md', () => {
  it('shows the delivery mixin exactly as test/interop/django/interop/delivery.py has it', () => {
    expect(blocks).toContain(read('test/interop/django/interop/delivery.py'))
  })

  it('shows the single-use ticket store exactly as test/interop/django/interop/tickets.py has it', () => {
    expect(blocks).toContain(read('test/interop/django/interop/tickets.py'))
  })

  it('shows refresh-token rotation exactly as test/interop/django/interop/rotation.py has it', () => {
    expect(blocks).toContain(read('test/interop/django/interop/rotation.py'))
  })
})
