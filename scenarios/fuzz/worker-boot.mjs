// Worker entry for the fuzz pool: registers tsx's loader, then hands tinypool the
// TypeScript worker's handler (its default export).
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');

export default worker.default;
