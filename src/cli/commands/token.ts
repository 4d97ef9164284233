import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { hashToken } from '../../api/auth.js';
import { SettingError } from '../../config/config.js';

/** `surfhive token new|hash`: operator tokens are given to people; only their sha256 goes in the config. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('make operator tokens and the hashes the server stores');
  token
    .command('new')
    .description('print a fresh random operator token and its hash')
    .action(() => {
      const t = randomBytes(32).toString('base64url');
      process.stdout.write(`token: ${t}\nSURFHIVE_OPERATOR_TOKEN_HASHES=${hashToken(t)}\n`);
    });
  token
    .command('hash')
    .description('print the sha256 of a token read from stdin (never from the command line: ps shows it)')
    .action(async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const t = Buffer.concat(chunks).toString('utf8').trim();
      if (!/^[\x21-\x7e]{1,512}$/.test(t))
        throw new SettingError(
          'the token on standard input',
          'must be 1 to 512 printable characters without spaces',
        );
      process.stdout.write(`${hashToken(t)}\n`);
    });
}
