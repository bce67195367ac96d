/** The recipes docs/django.md tells teams to copy are the files the interop tests run. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('docs/django.md', () => {
  it('shows the delivery mixin exactly as test/interop/django/interop/delivery.py has it', () => {
    const blocks = [...read('docs/django.md').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1])
    expect(blocks).toContain(read('test/interop/django/interop/delivery.py'))
  })
})
