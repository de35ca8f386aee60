import { z } from 'zod';
import { createApiKey } from '../../platform/apikeys/createApiKey.ts';
import { listApiKeys } from '../../platform/apikeys/listApiKeys.ts';
import { revokeApiKey } from '../../platform/apikeys/revokeApiKey.ts';
import type { V1Deps } from './createV1Router.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { defineRoute, pageOf, pageQuery, type Route } from './route.ts';
import { idParam, timestamp } from './schemas.ts';

const keySchema = z
  .object({
    id: z.string().meta({ example: 'key_4k9x2m7qa1' }),
    name: z.string(),
    kind: z.enum(['personal', 'license']),
    prefix: z.string().meta({ description: 'The first characters of the token, to tell keys apart.', example: 'cvn_p_Xy3kQ' }),
    license: z
      .object({ id: z.string().meta({ description: 'The on-chain license id.' }), assistant: z.object({ id: z.string(), name: z.string() }) })
      .nullable(),
    lastUsedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'ApiKey' });

const createdKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['personal', 'license']),
    token: z.string().meta({ description: 'The key itself. Shown once: only its hash is kept.' }),
    prefix: z.string(),
    license: z.object({ id: z.string() }).nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'CreatedApiKey' });

const createKeyBody = z
  .strictObject({
    name: z.string().trim().max(60).optional().meta({ description: 'A name to recognise the key by.' }),
    kind: z.enum(['personal', 'license']).meta({ description: '`license`: bound to one of your API licenses (`license`).' }),
    license: z.string().regex(/^\d+$/, 'an on-chain license id (digits)').optional().meta({ description: 'The on-chain id of your API license (`license` keys).' }),
  })
  .refine((b) => (b.kind === 'license') === (b.license !== undefined), { message: 'give `license` for a license key, and only then', path: ['license'] })
  .meta({ id: 'CreateApiKey' });


const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** `/v1/keys` (personal keys manage keys) and `/v1/me`. */
export function keyRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/keys',
      operationId: 'listKeys',
      summary: 'Your live API keys (never the tokens)',
      tag: 'keys',
      auth: 'personal',
      query: pageQuery,
      responses: { 200: { description: 'A page of keys, newest first.', schema: pageOf(keySchema, 'ApiKeyPage') } },
      handle: async ({ principal, query }) => {
        const page = await listApiKeys(deps.money, { userId: principal.userId, before: decodeCursor(query.cursor), limit: query.limit });
        return {
          items: page.keys.map((k) => ({ ...k, lastUsedAt: isoOrNull(k.lastUsedAt), createdAt: k.createdAt.toISOString() })),
          nextCursor: encodeCursor(page.last),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/keys',
      operationId: 'createKey',
      summary: 'Create a personal key, or a key bound to one of your API licenses',
      tag: 'keys',
      auth: 'personal',
      body: createKeyBody,
      errors: [404],
      responses: { 201: { description: 'The new key; `token` is shown this once.', schema: createdKeySchema } },
      handle: async ({ principal, body }) => {
        const k = await createApiKey(
          deps.money,
          body.kind === 'license'
            ? { userId: principal.userId, name: body.name, kind: 'license', chainLicenseId: BigInt(body.license!) }
            : { userId: principal.userId, name: body.name, kind: 'personal' },
        );
        return { id: k.id, name: k.name, kind: k.kind, token: k.token, prefix: k.prefix, license: k.license ? { id: k.license.id } : null, createdAt: k.createdAt.toISOString() };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/keys/{id}',
      operationId: 'revokeKey',
      summary: 'Revoke a key (at once)',
      tag: 'keys',
      auth: 'personal',
      params: idParam('The key id.', 'key_4k9x2m7qa1'),
      errors: [404],
      responses: { 200: { description: 'Revoked.', schema: z.object({ id: z.string(), revoked: z.literal(true) }).meta({ id: 'RevokedApiKey' }) } },
      handle: async ({ principal, params }) => {
        const k = await revokeApiKey(deps.money, { userId: principal.userId, keyId: params.id });
        return { id: k.id, revoked: true as const };
      },
    }),
  ];
}
