// The process entry point (bin/evpn-node imports the compiled copy of this file).
import { main } from './index.js';

process.exitCode = await main(process.argv);
