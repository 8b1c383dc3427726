// Worker entry: registers tsx's loader (Node 20 ignores `--import tsx` in a Worker's execArgv), then runs the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./synthetic-worker.ts');
