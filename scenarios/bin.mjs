#!/usr/bin/env node
// The nsrsim executable: registers tsx so Node can load the TypeScript sources, then
// hands over to the CLI (scenarios/cli.ts).
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
