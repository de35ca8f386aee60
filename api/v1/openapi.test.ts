import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { generatedSdkFiles } from '../../sdk/scripts/generate.ts';
import { createV1Router, type V1Deps } from './createV1Router.ts';
import { openApiDocument } from './openApiDocument.ts';

const root = path.resolve(import.meta.dirname, '../..');
const METHODS = ['get', 'post', 'patch', 'delete', 'put'] as const;

/** The routes express really serves under /v1 (method + path), read from the router's own stack. */
function servedRoutes(router: Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>) {
    if (!layer.route) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) if (on) out.push(`${m} ${layer.route.path}`);
  }
  return out.sort();
}

describe('the OpenAPI document of /v1', () => {
  const doc = openApiDocument();
  const described = Object.entries(doc.paths ?? {})
    .flatMap(([p, item]) => METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m} ${p.replace(/\{(\w+)\}/g, ':$1')}`))
    .sort();

  it('describes every route the server serves, and the server serves every described route', () => {
    // The routes read their dependencies only when handling a request, so none are needed to list them.
    const noDeps = new Proxy({} as V1Deps, {
      get: (_t, key) => {
        throw new Error(`deps.${String(key)} read while building the router`);
      },
    });
    const served = servedRoutes(createV1Router(noDeps, { version: 'test' })).filter((r) => r !== 'get /openapi.json');
    expect(served.length).toBeGreaterThan(10);
    expect(described).toEqual(served);
  });

  it('gives every operation a unique id, a summary, a tag, its error answers and security', () => {
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths ?? {}))
      for (const m of METHODS) {
        const op = (item as Record<string, Record<string, unknown> | undefined>)[m];
        if (!op) continue;
        const where = `${m} ${p}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId as string);
        expect(op.summary, where).toBeTruthy();
        expect((op.tags as string[]).length, where).toBe(1);
        const responses = op.responses as Record<string, { content?: Record<string, { schema: unknown }> }>;
        expect(Object.keys(responses).some((s) => s.startsWith('2')), `${where}: no success answer`).toBe(true);
        for (const status of ['400', '429']) expect(responses[status]?.content?.['application/json']?.schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
        const security = op.security as Array<Record<string, unknown>>;
        if (security.some((s) => Object.keys(s).length === 0)) continue; // public: a key is optional
        expect(responses['401'], `${where}: needs a key but describes no 401`).toBeTruthy();
      }
  });

  it('lints clean with @redocly/cli', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      fs.writeFileSync(file, JSON.stringify(doc));
      const lint = spawnSync(process.execPath, [path.join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', file, '--config', path.join(root, 'redocly.yaml'), '--format', 'stylish'], {
        cwd: root,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = `${lint.stdout}\n${lint.stderr}`;
      expect(output).toContain('Your API description is valid');
      expect(output).not.toMatch(/\d+:\d+\s+(warning|error)/); // stylish: "12:3  warning  rule  message"
      expect(lint.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('is what the SDK was generated from (run `npm run sdk:generate` after changing a route)', async () => {
    for (const [name, text] of Object.entries(await generatedSdkFiles()))
      expect(fs.readFileSync(path.join(root, 'sdk', name), 'utf8') === text, `sdk/${name} is out of date: npm run sdk:generate`).toBe(true);
  });
});
