// The abuse bench's well-behaved client, in a process of its own: prints its samples as JSON.
// usage (by run.mjs): node good-client.mjs '{"base":...,"ver":...,"arch":...,"ms":...,"tag":...}'
import { clientSetup, goodClient } from './client.mjs';

const setup = clientSetup();
process.stdout.write(`${JSON.stringify(await goodClient(setup, setup.ms, setup.tag))}\n`);
