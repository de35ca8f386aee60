/**
 * Compiles the benchmark's comparison contracts with solc-js: OpenZeppelin 4.9's PaymentSplitter (installed as
 * `@openzeppelin/contracts-v4`) and the bench's own O(n) PushSplitter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, Hex } from 'viem';

const here = dirname(fileURLToPath(import.meta.url));
const nodeModules = resolve(here, '..', '..', 'node_modules');

/** A compiled contract. */
export type Compiled = { abi: Abi; bytecode: Hex };

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
};

/** Compiles PaymentSplitter (OZ 4.9.x) and PushSplitter with the optimizer on (200 runs), like the Caravan contracts. */
export function compileBaselines(): { paymentSplitter: Compiled; pushSplitter: Compiled } {
  const require = createRequire(import.meta.url);
  const solc = require('solc') as { compile(input: string, opts: { import: (p: string) => unknown }): string };
  const splitterPath = '@openzeppelin/contracts-v4/finance/PaymentSplitter.sol';
  if (!existsSync(join(nodeModules, splitterPath))) {
    throw new Error(
      'PaymentSplitter 4.9 not installed: npm install --save-dev @openzeppelin/contracts-v4@npm:@openzeppelin/contracts@4.9.6',
    );
  }
  const input = {
    language: 'Solidity',
    sources: {
      [splitterPath]: { content: readFileSync(join(nodeModules, splitterPath), 'utf8') },
      'PushSplitter.sol': { content: readFileSync(join(here, 'PushSplitter.sol'), 'utf8') },
    },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const findImports = (path: string) => {
    const file = join(nodeModules, path);
    return existsSync(file) ? { contents: readFileSync(file, 'utf8') } : { error: `not found: ${path}` };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const pick = (source: string, name: string): Compiled => {
    const contract = output.contracts[source]?.[name];
    if (!contract) throw new Error(`${name} missing from solc output`);
    return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  };
  return {
    paymentSplitter: pick(splitterPath, 'PaymentSplitter'),
    pushSplitter: pick('PushSplitter.sol', 'PushSplitter'),
  };
}
