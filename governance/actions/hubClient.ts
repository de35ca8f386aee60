import type { LocalAccount } from 'viem';
import { primaryTypeOf } from '../hub/recoverSigner.ts';
import { receiveMessage } from '../hub/receiveMessage.ts';
import type { HubDeps, HubReceipt } from '../hub/types.ts';
import { snapshotjs } from '../snapshotjs.ts';

/** The parts of snapshot.js's `Client712` the chat uses, bound to a signer. */
export type HubClient = {
  proposal(message: Record<string, unknown>): Promise<HubReceipt>;
  vote(message: Record<string, unknown>): Promise<HubReceipt>;
};

/**
 * snapshot.js's own `Client712` — so every message is built and signed exactly as Snapshot's
 * client builds it (types per voting type, choices of weighted votes as JSON strings, defaults) —
 * signing with `account` (a user's custodial key) and handing the envelope to the hub in this
 * process instead of posting it over HTTP. The hub checks it like any other.
 */
export function createHubClient(hub: HubDeps, account: LocalAccount): HubClient {
  const client = new snapshotjs.Client712('in-process');
  // A copy, as the HTTP body would be: the hub must not see the client's objects.
  (client as unknown as { send: (envelope: unknown) => Promise<HubReceipt> }).send = (envelope) => receiveMessage(hub, JSON.parse(JSON.stringify(envelope)));
  // ethers' signer interface, as Client712 calls it.
  const signer = {
    _signTypedData: (domain: Record<string, unknown>, types: Record<string, Array<{ name: string; type: string }>>, message: Record<string, unknown>) =>
      account.signTypedData({ domain, types, primaryType: primaryTypeOf(types), message } as Parameters<LocalAccount['signTypedData']>[0]),
  };
  const web3 = signer as unknown as Parameters<typeof client.vote>[0];
  return {
    proposal: (message) => client.proposal(web3, account.address, message as unknown as Parameters<typeof client.proposal>[2]) as Promise<HubReceipt>,
    vote: (message) => client.vote(web3, account.address, message as unknown as Parameters<typeof client.vote>[2]) as Promise<HubReceipt>,
  };
}
