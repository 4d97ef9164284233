import t from 'tap';
import { makeDescriptor, sourceHash } from '../../src/compile/descriptor.js';
import { findLbcMaps } from '../../src/compile/lbc-maps.js';
import { fixtureSource } from './lbc-env.js';

t.test('finds every LBC_* map with its types as written', async (t) => {
  const src = `#include "lbc.h"
/* LBC_HASH(commented, u32, u32, 1); */
// LBC_ARRAY(also_commented, int, int, 1);
#define MY_MAP(n) LBC_HASH(n, u32, u32, 8)
LBC_PERF_OUTPUT(e_out, struct data_t, 128);
LBC_HASH( pid_cnt , u32,   u64 , 1024);
LBC_LRU_HASH(lru, struct key_t, struct {
    int a; char b[4];
  }, 10);
LBC_PERCPU_HASH(ph, u32, u32, 1);
LBC_LRU_PERCPU_HASH(lph, u32, char[16], 1);
LBC_ARRAY(arr, int, long, 4);
LBC_PERCPU_ARRAY(parr, int, struct data_t, 4);
LBC_HIST2(h2);
LBC_HIST10(h10);
LBC_STACK(stk, 1024);
char *s = "LBC_HASH(in_string, int, int, 1)";
`;
  const maps = findLbcMaps(src);
  t.same(
    maps.map((m) => [m.name, m.type, m.fktype, m.fvtype]),
    [
      ['e_out', 'event', '', 'struct data_t'],
      ['pid_cnt', 'hash', 'u32', 'u64'],
      ['lru', 'lruHash', 'struct key_t', 'struct { int a; char b[4]; }'],
      ['ph', 'perHash', 'u32', 'u32'],
      ['lph', 'lruPerHash', 'u32', 'char[16]'],
      ['arr', 'array', 'int', 'long'],
      ['parr', 'perArray', 'int', 'struct data_t'],
      ['h2', 'hist2', 'int', 'long int'],
      ['h10', 'hist10', 'int', 'long int'],
      ['stk', 'stack', 'unsigned int', 'long long unsigned int[127]'],
    ],
  );
  t.same(findLbcMaps('LBC_HASH(broken, u32'), []);
  t.same(findLbcMaps('LBC_HASH(1bad, u32, u32, 1);'), []);
});

t.test('fixtures', async (t) => {
  t.same(findLbcMaps(fixtureSource('hello')), []);
  t.same(
    findLbcMaps(fixtureSource('call_stack')).map((m) => m.name),
    ['fork_events', 'fork_stacks'],
  );
});

t.test('descriptor hash is sha256(source + env) like pylcc', async (t) => {
  t.equal(sourceHash('abc', ''), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(sourceHash('ab', 'c'), sourceHash('abc', ''));
  const d = makeDescriptor({
    source: 'x',
    env: '-DA',
    kernVersion: '4.19.91-24.8.an8.x86_64',
    arch: 'x86_64',
    maps: [{ name: 'm', type: 'hash', fktype: 'u32', fvtype: 'u64' }],
    ffi: 'typedef unsigned int u32;',
  });
  t.same(Object.keys(d), ['hash', 'kern_version', 'arch', 'maps', 'ffi']);
  t.same(d.maps.m, { type: 'hash', fktype: 'u32', fvtype: 'u64', ktype: null, vtype: null });
  t.equal(d.hash, sourceHash('x-DA', ''));
});
