// Worker-thread entry: registers tsx's loader in this thread, then loads the TypeScript worker.
// (A .ts file cannot be a worker's entry point: Node resolves it before any --import hook runs.)
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
