import { createWalletClient, http, isAddressEqual, toHex, type Address, type Chain, type Hash, type Hex, type LocalAccount } from 'viem';
import type { BrowserContext, Page } from 'playwright-core';

/** What the page's `window.ethereum.request` resolves or rejects with (EIP-1193). */
export type ProviderAnswer = { result?: unknown; error?: { code: number; message: string } };

export type CreateInjectedWalletParameters = {
  /** The key that signs and sends; `use()` swaps it (a person switching accounts in their wallet). */
  account: LocalAccount;
  /** The test chain: transactions are sent there and `eth_chainId` answers its id. */
  chain: Chain;
  rpcUrl: string;
};

/**
 * An EIP-1193 wallet in Node, reached from a page through `window.ethereum` (see `injectWallet`):
 * a viem local account signs for real (SIWE with `personal_sign`, EIP-712 with
 * `eth_signTypedData_v4`) and sends transactions on the test chain. `rejectNext` makes the next
 * request of a method fail as a person pressing "Reject" (EIP-1193 code 4001). Every transaction it
 * sent is kept in `sent`, so a test can tell that a refused page sent nothing.
 *
 * Use a key no other test file sends from (a random one funded with `anvil_setBalance`): the shared
 * anvil is used by files running in parallel, and two senders of one key race for nonces.
 *
 * @example
 * const wallet = createInjectedWallet({ account: privateKeyToAccount(generatePrivateKey()), chain: rt.chain.publicClient.chain, rpcUrl });
 * await injectWallet(context, wallet);
 */
export function createInjectedWallet(params: CreateInjectedWalletParameters) {
  const wallet = {
    account: params.account,
    /** The chain the wallet says it is on (default: the test chain). */
    chainId: undefined as number | undefined,
    rejectNext: undefined as string | undefined,
    /** Every SIWE message signed, with its signature. */
    signedMessages: [] as Array<{ message: string; signature: Hex }>,
    /** Every transaction sent, in order, with the account that sent it. */
    sent: [] as Array<{ from: Address; to: Address; hash: Hash }>,
    use(account: LocalAccount) {
      wallet.account = account;
    },
    async request(method: string, args: unknown[]): Promise<ProviderAnswer> {
      if (wallet.rejectNext === method) {
        wallet.rejectNext = undefined;
        return { error: { code: 4001, message: 'User rejected the request.' } };
      }
      const account = wallet.account;
      const mine = (a: unknown) => typeof a === 'string' && isAddressEqual(a as Address, account.address);
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return { result: [account.address] };
        case 'eth_chainId':
          return { result: toHex(wallet.chainId ?? params.chain.id) };
        case 'personal_sign': {
          const [data, from] = args as [Hex, string];
          if (!mine(from)) return { error: { code: 4100, message: 'Unknown account.' } };
          const signature = await account.signMessage({ message: { raw: data } });
          wallet.signedMessages.push({ message: Buffer.from(data.slice(2), 'hex').toString('utf8'), signature });
          return { result: signature };
        }
        case 'eth_signTypedData_v4': {
          const [from, json] = args as [string, string];
          if (!mine(from)) return { error: { code: 4100, message: 'Unknown account.' } };
          const typed = JSON.parse(json) as {
            domain: Record<string, unknown>;
            types: Record<string, Array<{ name: string; type: string }>>;
            primaryType: string;
            message: Record<string, unknown>;
          };
          const { EIP712Domain: _domain, ...types } = typed.types;
          // JSON carries integers as strings; viem signs bigints.
          const message = Object.fromEntries(
            Object.entries(typed.message).map(([k, v]) => {
              const type = types[typed.primaryType]!.find((f) => f.name === k)?.type ?? '';
              return [k, /^u?int\d*$/.test(type) ? BigInt(v as string) : v];
            }),
          );
          return { result: await account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message } as never) };
        }
        case 'eth_sendTransaction': {
          const [tx] = args as [{ from: string; to: Address; data?: Hex; value?: Hex }];
          if (!mine(tx.from)) return { error: { code: 4100, message: 'Unknown account.' } };
          const client = createWalletClient({ account, chain: params.chain, transport: http(params.rpcUrl) });
          const hash = await client.sendTransaction({ to: tx.to, data: tx.data ?? '0x', value: BigInt(tx.value ?? '0x0') });
          wallet.sent.push({ from: account.address, to: tx.to, hash });
          return { result: hash };
        }
        default:
          return { error: { code: 4200, message: `Unsupported method ${method}.` } };
      }
    },
  };
  return wallet;
}

export type InjectedWallet = ReturnType<typeof createInjectedWallet>;

/** Puts `wallet` into every page of `context` as `window.ethereum` (one wallet per context). */
export async function injectWallet(context: BrowserContext, wallet: InjectedWallet): Promise<void> {
  await context.exposeFunction('__caravanTestWallet', (method: string, args: unknown[]) => wallet.request(method, args));
  await context.addInitScript(() => {
    const call = (window as unknown as { __caravanTestWallet(m: string, p: unknown[]): Promise<ProviderAnswer> }).__caravanTestWallet;
    (window as unknown as { ethereum: unknown }).ethereum = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const answer = await call(method, params ?? []);
        if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
      on() {},
      removeListener() {},
    };
  });
}

/** The text of a wallet page's step log (`#log`) once a line matching `pattern` appears. */
export async function stepShown(page: Page, pattern: RegExp, timeout = 30_000): Promise<string> {
  await page.locator('#log li', { hasText: pattern }).first().waitFor({ timeout });
  return (await page.locator('#log').textContent()) ?? '';
}
