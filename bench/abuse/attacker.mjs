// One abuse-bench attacker, in a process of its own: one attack class back to back; prints JSON.
// usage (by run.mjs): node attacker.mjs '{"base":...,"attack":...,"ms":...,...}'
import { attacker, clientSetup } from './client.mjs';

const setup = clientSetup();
process.stdout.write(`${JSON.stringify(await attacker(setup, setup.attack, setup.ms))}\n`);
