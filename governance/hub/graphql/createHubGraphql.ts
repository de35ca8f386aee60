import {
  buildSchema,
  execute,
  getOperationAST,
  GraphQLError,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { BaseError, InputError, NotFoundError } from '../../../platform/errors.ts';
import type { Logger } from '../../../platform/log.ts';
import { aliases } from '../queries/aliases.ts';
import { follows } from '../queries/follows.ts';
import { messages } from '../queries/messages.ts';
import { proposal } from '../queries/proposal.ts';
import { proposals, type ProposalsParameters } from '../queries/proposals.ts';
import { proposalsById } from '../queries/proposalsById.ts';
import { space } from '../queries/space.ts';
import { spaces } from '../queries/spaces.ts';
import { spaceCounts, type HubSpaceCounts } from '../queries/spaceCounts.ts';
import { spacesById } from '../queries/spacesById.ts';
import type { HubFollow, HubProposal, HubReadDeps, HubSpace, HubVote } from '../queries/types.ts';
import { vote } from '../queries/vote.ts';
import { votes } from '../queries/votes.ts';
import { vp, type ComputeVotingPower, type VpParameters } from '../queries/vp.ts';
import type { ListParameters } from '../queries/pagination.ts';
import { createBatchLoader } from './batchLoader.ts';
import { DEFAULT_QUERY_LIMITS, queryLimitsRule, type QueryLimits } from './queryLimits.ts';
import { hubSchemaSdl } from './schema.ts';

export type HubGraphqlDeps = HubReadDeps & {
  /** Computes voting power nothing has stored yet (the strategies' reader); without it `vp` answers only what is stored. */
  computeVp?: ComputeVotingPower | undefined;
  /** A proposal's page, for its `link` (null without one). */
  proposalUrl?: ((proposal: { id: string; space: string }) => string) | undefined;
  /** Where failures the client is not told about are logged. */
  log?: Logger | undefined;
  limits?: Partial<QueryLimits> | undefined;
};

/** A GraphQL request as it arrives (a POST body, or a GET's query string already parsed). */
export type HubGraphqlRequest = { query?: unknown; variables?: unknown; operationName?: unknown };

/** The answer: the HTTP status (400 for a request that never ran, as graphql-js servers do) and the JSON body. */
export type HubGraphqlAnswer = { status: number; body: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] } };

export type HubGraphql = {
  schema: GraphQLSchema;
  /** Parses, validates (schema and size limits) and runs one request. Never throws. */
  run(request: HubGraphqlRequest): Promise<HubGraphqlAnswer>;
};

type Context = {
  space: (id: string) => Promise<HubSpace | undefined>;
  proposal: (id: string) => Promise<HubProposal | undefined>;
  counts: (id: string) => Promise<HubSpaceCounts | undefined>;
};
type Resolver<S = unknown> = GraphQLFieldResolver<S, Context, Record<string, unknown>>;

const refuse = (message: string): HubGraphqlAnswer => ({ status: 400, body: { errors: [{ message }] } });

/**
 * The hub's read API: snapshot-hub's GraphQL schema over the hub's tables, executed by graphql-js
 * (the reference implementation). Each query field calls one read in `governance/hub/queries`;
 * the spaces and proposals an answer nests are loaded in one query per kind.
 *
 * @example
 * const hub = createHubGraphql({ db });
 * const { status, body } = await hub.run({ query: '{ proposals(where: { state: "active" }) { id title } }' });
 */
export function createHubGraphql(deps: HubGraphqlDeps): HubGraphql {
  const limits = { ...DEFAULT_QUERY_LIMITS, ...deps.limits };
  const schema = buildSchema(hubSchemaSdl);
  const list = (args: Record<string, unknown>) => args as ListParameters;
  const id = (args: Record<string, unknown>) => (typeof args.id === 'string' ? args.id : null);

  const resolvers: Record<string, Record<string, Resolver<never>>> = {
    Query: {
      space: (_s, args) => (id(args) ? space(deps, { id: id(args)! }) : null),
      spaces: (_s, args) => spaces(deps, list(args)),
      proposal: (_s, args) => (id(args) ? proposal(deps, { id: id(args)! }) : null),
      proposals: (_s, args) => proposals(deps, args as ProposalsParameters),
      vote: (_s, args) => (id(args) ? vote(deps, { id: id(args)! }) : null),
      votes: (_s, args) => votes(deps, list(args)),
      aliases: (_s, args) => aliases(deps, list(args)),
      follows: (_s, args) => follows(deps, list(args)),
      messages: (_s, args) => messages(deps, list(args)),
      vp: (_s, args) => vp(deps, args as VpParameters),
    },
    Space: {
      proposalsCount: async (s: HubSpace, _a, ctx) => (await ctx.counts(s.id))?.proposalsCount ?? 0,
      followersCount: async (s: HubSpace, _a, ctx) => (await ctx.counts(s.id))?.followersCount ?? 0,
      votesCount: async (s: HubSpace, _a, ctx) => (await ctx.counts(s.id))?.votesCount ?? 0,
    },
    Proposal: {
      space: async (p: HubProposal, _a, ctx) => (await ctx.space(p.space)) ?? null,
      link: (p: HubProposal) => (deps.proposalUrl ? deps.proposalUrl(p) : null),
    },
    Vote: {
      space: async (v: HubVote, _a, ctx) => (await ctx.space(v.space)) ?? null,
      proposal: async (v: HubVote, _a, ctx) => (await ctx.proposal(v.proposal)) ?? null,
    },
    Follow: {
      space: async (f: HubFollow, _a, ctx) => (await ctx.space(f.space)) ?? null,
    },
  };
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new BaseError(`The hub's schema has no type ${typeName}.`);
    for (const [name, resolve] of Object.entries(fields)) {
      const field = type.getFields()[name];
      if (!field) throw new BaseError(`The hub's type ${typeName} has no field ${name}.`);
      field.resolve = resolve as Resolver;
    }
  }
  const rules = [...specifiedRules, queryLimitsRule(limits)];

  // Messages of the hub's own refusals reach the client; anything else (the database, the chain)
  // is logged and answered with snapshot-hub's word for it.
  const formatError = (e: GraphQLError): GraphQLFormattedError => {
    const original = e.originalError;
    if (!original || original instanceof GraphQLError) return e.toJSON();
    if (original instanceof InputError || original instanceof NotFoundError) return { ...e.toJSON(), message: original.shortMessage };
    deps.log?.error({ err: original, path: e.path }, 'hub graphql: request failed');
    return { ...e.toJSON(), message: original instanceof BaseError && original.retryable ? 'request failed, try again' : 'request failed' };
  };

  return {
    schema,
    async run(request) {
      const { query, variables, operationName } = request;
      if (typeof query !== 'string' || query.trim() === '') return refuse('Must provide query string.');
      if (query.length > limits.maxChars) return refuse(`Query is ${query.length} characters long; at most ${limits.maxChars} are allowed.`);
      if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
        return refuse('Variables must be an object.');
      if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return refuse('Operation name must be a string.');

      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens: limits.maxTokens });
      } catch (e) {
        if (e instanceof GraphQLError) return { status: 400, body: { errors: [e.toJSON()] } };
        throw e;
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length) return { status: 400, body: { errors: invalid.map((e) => e.toJSON()) } };
      // The hub is read-only: anything but a query is refused before it runs (as a GET of a mutation is by graphql-js servers).
      const operation = getOperationAST(document, (operationName as string | null | undefined) ?? undefined);
      if (operation && operation.operation !== 'query')
        return refuse(`Only queries are answered here; this is a ${operation.operation}.`);

      const context: Context = {
        space: createBatchLoader((ids) => spacesById(deps, ids)),
        proposal: createBatchLoader((ids) => proposalsById(deps, ids)),
        counts: createBatchLoader((ids) => spaceCounts(deps, ids)),
      };
      const result = await execute({
        schema,
        document,
        contextValue: context,
        variableValues: (variables as Record<string, unknown> | null | undefined) ?? undefined,
        operationName: (operationName as string | null | undefined) ?? undefined,
      });
      const errors = result.errors?.map(formatError);
      // No `data` at all: the request never ran (bad variables, no such operation).
      if (result.data === undefined) return { status: 400, body: { errors: errors ?? [] } };
      return { status: 200, body: errors?.length ? { data: result.data, errors } : { data: result.data } };
    },
  };
}
