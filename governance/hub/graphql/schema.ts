import { whereInputSdl } from '../queries/filters.ts';
import { aliasWhereFields } from '../queries/aliases.ts';
import { followWhereFields } from '../queries/follows.ts';
import { messageWhereFields } from '../queries/messages.ts';
import { proposalWhereFields } from '../queries/proposals.ts';
import { spaceWhereFields } from '../queries/spaces.ts';
import { voteWhereFields } from '../queries/votes.ts';

const list = (type: string, where: string) => `(
    first: Int = 20
    skip: Int = 0
    where: ${where}
    orderBy: String
    orderDirection: OrderDirection
  ): [${type}]`;

/**
 * The hub's read API in GraphQL SDL: snapshot-hub's query names, argument shapes and field names
 * (the part of its schema this hub stores), so clients written for `hub.snapshot.org/graphql`
 * read this hub unchanged. The `where` inputs are generated from the tables that build the SQL.
 */
export const hubSchemaSdl = `
scalar Any

type Query {
  space(id: String): Space
  spaces${list('Space', 'SpaceWhere')}
  proposal(id: String): Proposal
  proposals${list('Proposal', 'ProposalWhere')}
  vote(id: String): Vote
  votes${list('Vote', 'VoteWhere')}
  aliases${list('Alias', 'AliasWhere')}
  follows${list('Follow', 'FollowWhere')}
  vp(voter: String!, space: String!, proposal: String): Vp
  messages${list('Message', 'MessageWhere')}
}

${whereInputSdl('SpaceWhere', spaceWhereFields)}

${whereInputSdl('ProposalWhere', proposalWhereFields, { state: 'String' })}

${whereInputSdl('VoteWhere', voteWhereFields)}

${whereInputSdl('AliasWhere', aliasWhereFields)}

${whereInputSdl('FollowWhere', followWhereFields)}

${whereInputSdl('MessageWhere', messageWhereFields)}

enum OrderDirection {
  asc
  desc
}

type Space {
  id: String!
  name: String
  private: Boolean
  about: String
  avatar: String
  cover: String
  terms: String
  location: String
  website: String
  twitter: String
  github: String
  farcaster: String
  coingecko: String
  email: String
  discussions: String
  network: String
  symbol: String
  skin: String
  domain: String
  strategies: [Strategy]
  admins: [String]
  members: [String]
  moderators: [String]
  filters: SpaceFilters
  plugins: Any
  voting: SpaceVoting
  categories: [String]
  validation: Validation
  voteValidation: Validation
  treasuries: [Treasury]
  labels: [Label]
  guidelines: String
  template: String
  proposalsCount: Int
  followersCount: Int
  votesCount: Int
  created: Int!
}

type SpaceFilters {
  minScore: Float
  onlyMembers: Boolean
}

type SpaceVoting {
  delay: Int
  period: Int
  type: String
  quorum: Float
  blind: Boolean
  hideAbstain: Boolean
  privacy: String
  aliased: Boolean
}

type Treasury {
  name: String
  address: String
  network: String
}

type Label {
  id: String
  name: String
  description: String
  color: String
}

type Proposal {
  id: String!
  ipfs: String
  author: String!
  created: Int!
  updated: Int
  space: Space
  network: String!
  symbol: String!
  type: String
  strategies: [Strategy]!
  validation: Validation
  plugins: Any!
  title: String!
  body: String
  discussion: String!
  choices: [String]!
  labels: [String]!
  start: Int!
  end: Int!
  quorum: Float!
  privacy: String
  snapshot: String
  state: String
  link: String
  app: String
  scores: [Float]
  scores_by_strategy: Any
  scores_state: String
  scores_total: Float
  scores_updated: Int
  votes: Int
}

type Strategy {
  name: String!
  network: String
  params: Any
}

type Validation {
  name: String!
  params: Any
}

type Vote {
  id: String!
  ipfs: String
  voter: String!
  created: Int!
  space: Space!
  proposal: Proposal
  choice: Any!
  metadata: Any
  reason: String
  app: String
  vp: Float
  vp_by_strategy: [Float]
  vp_state: String
}

type Alias {
  id: String!
  ipfs: String
  address: String!
  alias: String!
  created: Int!
}

type Follow {
  id: String!
  ipfs: String
  follower: String!
  space: Space!
  network: String!
  created: Int!
}

type Vp {
  vp: Float
  vp_by_strategy: [Float]
  vp_state: String
}

type Message {
  mci: Int
  id: String
  ipfs: String
  address: String
  version: String
  timestamp: Int
  space: String
  type: String
  sig: String
  receipt: String
}
`;
