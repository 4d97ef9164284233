import t from 'tap';
import { checkFlags, parseCompileFlags, splitFlags } from '../../src/compile/flags.js';
import { isSurfhiveError } from '../../src/errors/codes.js';

t.test('splits like a shell without running one', async (t) => {
  t.same(splitFlags('-DA=1   -DB="two words" -DC=\'$(id)\' -DD=a\\ b'), [
    '-DA=1',
    '-DB=two words',
    '-DC=$(id)',
    '-DD=a b',
  ]);
  t.same(splitFlags(''), []);
  t.same(splitFlags('  '), []);
  t.same(splitFlags('""'), ['']);
});

t.test('allows macros, warnings and the C standard', async (t) => {
  t.same(parseCompileFlags(''), []);
  t.same(parseCompileFlags(undefined), []);
  t.same(
    parseCompileFlags(
      '-DLBC_DEBUG -DFILTER_PID=1234 -U FOO -D BAR=2 -w -Wall -Wno-unused-variable -std=gnu11',
    ),
    [
      '-DLBC_DEBUG',
      '-DFILTER_PID=1234',
      '-UFOO',
      '-DBAR=2',
      '-w',
      '-Wall',
      '-Wno-unused-variable',
      '-std=gnu11',
    ],
  );
  t.same(parseCompileFlags('-DMAX(a,b)=((a)>(b)?(a):(b))'), ['-DMAX(a,b)=((a)>(b)?(a):(b))']);
});

const hostile = [
  '-fplugin=/tmp/evil.so',
  '-Xclang -load',
  '-include /etc/passwd',
  '-include/etc/passwd',
  '@/etc/passwd',
  '-o /tmp/x',
  '-I/etc',
  '-I /etc',
  '-isystem /etc',
  '-iquote/etc',
  '--sysroot=/',
  '--sysroot /',
  '-Wp,-include,/etc/passwd',
  '-Wl,-rpath',
  '-Wa,-I/etc',
  '-B/tmp',
  '-MF /tmp/x',
  '-MD',
  '-save-temps',
  '-target x86_64',
  '--target=x86_64',
  '-mllvm -foo',
  '-fsanitize=address',
  '-D',
  '-D1BAD=2',
  '-D"X=1\n#include \\"/etc/passwd\\""',
  '-DX=1\u0000',
  'bpf.c',
  '-',
  '"unterminated',
  'trailing\\',
  '-DA '.repeat(100),
  'x'.repeat(5000),
];

t.test('refuses everything else with BAD_FLAGS, never echoing the input', async (t) => {
  for (const env of hostile) {
    try {
      parseCompileFlags(env);
      t.fail(`accepted ${JSON.stringify(env).slice(0, 60)}`);
    } catch (e) {
      t.ok(isSurfhiveError(e) && e.kind === 'BAD_FLAGS', `BAD_FLAGS for ${JSON.stringify(env).slice(0, 60)}`);
      const msg = (e as Error).message;
      t.notMatch(msg, /passwd|evil|sysroot|\/etc|\/tmp/, 'message does not echo the flag');
    }
  }
});

t.test('checkFlags re-validates a list (newline in a -D value)', async (t) => {
  t.throws(() => checkFlags(['-DX=1\n#include "/etc/passwd"']), { kind: 'BAD_FLAGS' } as unknown as Error);
  t.throws(() => checkFlags(['-D', 'X=1\n#include "/etc/passwd"']), {
    kind: 'BAD_FLAGS',
  } as unknown as Error);
  t.same(checkFlags(['-D', 'X=1']), ['-DX=1']);
});
