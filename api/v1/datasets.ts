import { z } from 'zod';
import { getOpenDataset } from '../../platform/datasets/getOpenDataset.ts';
import type { V1Deps } from './createV1Router.ts';
import { defineRoute, type Route } from './route.ts';
import { idParam } from './schemas.ts';

/** `/v1/datasets`. */
export function datasetRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/datasets/{id}',
      operationId: 'getDataset',
      summary: 'A dataset: open, accepted ones for anyone',
      tag: 'datasets',
      auth: 'public',
      params: idParam('The dataset id.', 'ds_4k9x2m7qa1'),
      errors: [401, 404],
      responses: { 200: { description: 'The dataset.', schema: z.record(z.string(), z.unknown()).meta({ id: 'Dataset' }) } },
      handle: async ({ params }) => getOpenDataset(deps.money, params.id),
    }),
  ];
}
