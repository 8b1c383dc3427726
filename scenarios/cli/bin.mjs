#!/usr/bin/env node
// The nsrsim executable, and the only file that reads argv: registers tsx so Node can
// load the TypeScript sources, then builds the CLI (scenarios/cli/main.ts, which starts
// nothing when imported) and parses the command line.
import { register } from 'tsx/esm/api';
import { hideBin } from 'yargs/helpers';

register();
const { buildCli } = await import('./main.ts');
buildCli(hideBin(process.argv)).parse();
