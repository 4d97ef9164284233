import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { buildFixtures } from '../corecheck/fixtures.js';
import { bpfFixture } from '../helpers/fixtures.js';
import {
  FAKE_BTF,
  FAKE_HEAD,
  GOLDEN_KEY,
  GOLDEN_VER,
  goldenRows,
  publishKernel,
} from '../helpers/golden-hive.js';
import { localHive } from '../helpers/local-hive.js';
import { CHROMIUM, openBrowser, shown, waitCount, waitValue } from './browser.js';
import { buildWeb } from './build-web.js';
import { explorerApp } from './explorer-app.js';
import { OLDER_VER, publishOlder } from './fixture-kernels.js';

/*
 * The web UI end to end: a real server on 127.0.0.1 over a hive holding this
 * machine's kernel (built from its BTF, so real compiles work), the golden
 * fixture kernel and an older variant of it; Debian's chromium drives the UI.
 */

if (!existsSync(CHROMIUM)) {
  t.plan(0, 'no chromium at /usr/bin/chromium (apt-get install chromium)');
} else if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  await buildWeb();
  const h = await localHive();
  publishKernel(h.hive, GOLDEN_KEY, goldenRows(), { btf: FAKE_BTF, head: FAKE_HEAD });
  publishOlder(h.hive);
  // compiles need a token here (SURFHIVE_COMPILE_AUTH=token), ingest an operator's
  const COMPILE_TOKEN = 'e2e-compile-token';
  const OPERATOR_TOKEN = 'e2e-operator-token';
  const app = await explorerApp({
    ...h.config,
    compileAuth: 'token',
    compileTokenHashes: [hashToken(COMPILE_TOKEN)],
    operatorTokenHashes: [hashToken(OPERATOR_TOKEN)],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const b = await openBrowser(origin);
  const { page } = b;
  t.comment(`screenshots in ${b.shots}`);
  t.teardown(async () => {
    await b.close();
    await app.close();
    h.cleanup();
  });

  const GOLDEN = `x86_64/${GOLDEN_VER}`;
  const OLDER = `x86_64/${OLDER_VER}`;
  const LOCAL = `${h.key.arch}/${h.key.ver}`;
  const go = (path: string) => page.goto(`${origin}${path}`);
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

  t.test('the server: UI paths give the page, everything else is untouched', async (t) => {
    const ui = await fetch(`${origin}/structs?k=x`);
    t.equal(ui.status, 200);
    t.match(ui.headers.get('content-type'), /text\/html/);
    t.match(ui.headers.get('content-security-policy'), /default-src 'self'/);
    const html = await ui.text();
    t.match(html, /<script type="module"[^>]* src="\/assets\/index-[^"]+\.js"/);
    t.notMatch(html, /https?:\/\//, 'the page names no other origin');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${origin}${asset}`);
    t.equal(js.status, 200);
    t.match(js.headers.get('cache-control'), /immutable/);
    t.equal((await fetch(`${origin}/`)).status, 200);
    for (const other of ['/nope', '/structs/deeper', '/api/v1/nope', '/lbc/x']) {
      const r = await fetch(`${origin}${other}`);
      t.equal(r.status, 404, other);
      t.match(r.headers.get('content-type'), /json/, `${other} keeps the API's 404`);
    }
    t.same(await (await fetch(`${origin}/healthz`)).json(), { status: 'ok' });
    t.equal((await fetch(`${origin}/metrics`)).status, 200);
  });

  t.test('kernels: list, counts, downloads, filter in the URL', async (t) => {
    await go('/');
    await page.waitForURL(/\/kernels$/);
    const rows = page.locator('table.kernels tbody tr');
    await t.resolves(rows.nth(2).waitFor());
    t.equal(await rows.count(), 3);
    const golden = rows.filter({ hasText: GOLDEN_VER });
    const counts = [goldenRows().structs.length, goldenRows().funcs.length].map(String);
    await golden.locator('td.num').first().filter({ hasText: counts[0] }).waitFor();
    t.same(await golden.locator('td.num').allInnerTexts(), counts);
    const head = golden.getByRole('link', { name: 'vmlinux.h' });
    t.equal(await head.getAttribute('href'), `/api/v1/kernels/x86_64/${GOLDEN_VER}/vmlinux.h`);
    const dl = await page.request.get(`${origin}${await head.getAttribute('href')}`);
    t.equal(await dl.text(), FAKE_HEAD, 'the download link serves the file');
    await b.shot('kernels');

    await page.fill('#f-ver', '5.10');
    await page.waitForURL(/ver=5\.10/);
    await rows.filter({ hasText: GOLDEN_VER }).waitFor({ state: 'detached' });
    t.equal(await rows.count(), 1);
    t.match(await shown(rows.first()), OLDER_VER);
    await page.selectOption('#f-arch', 'aarch64');
    await page.getByText('0 kernels').waitFor();
    t.match(page.url(), /arch=aarch64/);
  });

  t.test('structs: search as you type, keyboard, layout drawing', async (t) => {
    await go(`/structs?${q({ k: GOLDEN })}`);
    await page.locator('#struct-results li').first().waitFor();
    await page.keyboard.press('/');
    t.equal(await page.evaluate('document.activeElement.id'), 'struct-q', '/ jumps to the search box');
    await page.keyboard.type('task_str');
    const results = page.locator('#struct-results li');
    await results.filter({ hasText: 'struct task_struct' }).waitFor();
    await waitCount(results, 1);
    await page.keyboard.press('Enter');
    await page.waitForURL(/s=struct\+task_struct/);
    await page.locator('#struct-title', { hasText: 'struct task_struct' }).waitFor();

    // members as bars, bitfields by their bits, the hole after prio, nested members folded
    const grid = page.locator('figure.layout .track');
    t.equal(await grid.locator('.seg.array[data-key="comm[16]"]').count(), 2, 'comm[16] crosses a row');
    t.equal(
      await grid.locator('.seg.array[data-key="stats[2][3]"]').count(),
      2,
      'first and last row of stats',
    );
    t.equal(await page.locator('.fold', { hasText: 'inside stats[2][3] (32 bytes folded)' }).count(), 1);
    t.equal(await grid.locator('.seg.bitfield').count(), 4);
    t.equal(await grid.locator('.seg.hole[title="hole: 4 bytes at offset 20 (0x14)"]').count(), 1);
    t.equal(await grid.locator('.seg.hole[title="hole: 3 bytes 5 bits at offset 124 (0x7c)"]').count(), 1);
    t.equal(await grid.locator('.seg.padding').count(), 0, 'sched_hook ends the struct');
    t.match(await shown(page.locator('tr.gap.hole').first()), /^4 \(0x4\)\s+4 bytes/);
    t.equal(
      await grid.locator('.seg.nested[data-key="se"]').count(),
      2,
      'se folded: one bar, middle rows folded',
    );
    const bitWidth = await grid.locator('.seg.bitfield[data-key="sched_migrated"]').boundingBox();
    const wordWidth = await grid.locator('.seg.pointer[data-key="mm"]').boundingBox();
    t.ok(bitWidth && wordWidth && Math.abs(bitWidth.width * 64 - wordWidth.width) < 64, 'bars sized by bits');
    // rcu and wake_q share bytes (a union): side by side in lanes
    const rcu = await grid.locator('.seg.nested[data-key="rcu"]').first().boundingBox();
    const wake = await grid.locator('.seg.nested[data-key="wake_q"]').first().boundingBox();
    t.ok(rcu && wake && rcu.x === wake.x && rcu.y !== wake.y, 'union alternatives in separate lanes');

    // expanding a nested member from the keyboard
    const toggle = page.locator('table.members button[aria-expanded]', { hasText: 'se' }).first();
    await toggle.focus();
    await page.keyboard.press('Enter');
    t.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await grid.locator('.seg.nested[data-key="se.run_node"]').first().waitFor();
    await page.locator('table.members button[aria-expanded]', { hasText: 'run_node' }).click();
    await grid.locator('.seg[data-key="se.run_node.rb_left"]').waitFor();
  });

  t.test('member path: offset, size, type, surftrace expression, shareable', async (t) => {
    await go(`/structs?${q({ k: GOLDEN, s: 'struct task_struct' })}`);
    await page.fill('#member-path', 'se.run_node.rb_left');
    await page.waitForURL(/p=se\.run_node\.rb_left/);
    await page.getByTestId('mp-offset').filter({ hasText: '56' }).waitFor();
    t.equal(await shown(page.getByTestId('mp-offset')), '56 (0x38)');
    t.equal(await shown(page.getByTestId('mp-size')), '8');
    t.equal(await shown(page.getByTestId('mp-type')), 'struct rb_node *');
    const expr = page.locator('#surftrace-expr');
    await page.locator('.surftrace > p.muted').first().waitFor();
    t.equal(
      await expr.inputValue(),
      'p wake_up_new_task rb_left=%0->se.run_node.rb_left',
      'a commonly traced function, not merely the first taking the pointer',
    );
    await page.getByText('kprobe:').waitFor();
    t.match(await shown(page.locator('.surftrace')), /\+0x38\(%di\)/, 'the server compiled it');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('copied').waitFor();
    t.equal(await page.evaluate('navigator.clipboard.readText()'), await expr.inputValue());
    // the drawing outlines the bytes and opened the nested members on the way
    await page.locator('.sel').first().waitFor();
    t.equal(await page.locator('.seg.picked[data-key="se.run_node.rb_left"]').count(), 1);
    await b.shot('struct-layout');

    // a shared link restores the same state
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await page.getByTestId('mp-offset').filter({ hasText: '56 (0x38)' }).waitFor();

    await page.fill('#member-path', 'comm[3]');
    await page.getByTestId('mp-offset').filter({ hasText: '171' }).waitFor();
    t.equal(await shown(page.getByTestId('mp-type')), 'char');
    await page.fill('#member-path', 'se.nope');
    await page.locator('.member-path .error').waitFor();
    t.match(await shown(page.locator('.member-path .error')), /struct task_struct has no member se\.nope/);

    // clicking a member in the table fills the box
    await page.locator('table.members button', { hasText: 'real_parent' }).click();
    await page.getByTestId('mp-offset').filter({ hasText: '144' }).waitFor();
    t.equal(await waitValue(page.locator('#member-path'), 'real_parent'), 'real_parent');
  });

  t.test("a real kernel's task_struct: hundreds of members, drawn at once", async (t) => {
    const started = Date.now();
    await go(`/structs?${q({ k: LOCAL, s: 'struct task_struct', p: 'comm' })}`);
    await page.getByTestId('mp-type').filter({ hasText: 'char [16]' }).waitFor();
    const segs = await page.locator('figure.layout .track .seg').count();
    t.ok(segs > 100, `${segs} bars`);
    t.ok(Date.now() - started < 10_000, 'rendered within 10 s');
    await page.locator('.seg.picked[data-key="comm[16]"]').first().scrollIntoViewIfNeeded();
    await b.shot('struct-real-kernel', false);
    await page.getByRole('button', { name: 'expand all' }).click();
    t.ok((await page.locator('figure.layout .track .seg').count()) > segs, 'expanding shows more bars');
  });

  t.test('diff: task_struct between two kernels', async (t) => {
    await go(`/diff?${q({ a: OLDER, b: GOLDEN, s: 'struct task_struct' })}`);
    const rows = page.locator('table.diff tbody tr');
    await rows.first().waitFor();
    const status = async (m: string) =>
      rows.locator(`xpath=self::*[@data-member="${m}"]`).getAttribute('data-status');
    t.equal(await status('vol'), 'added');
    t.equal(await status('old_flags'), 'removed');
    t.equal(await status('comm'), 'resized');
    t.equal(await status('tgid'), 'moved');
    t.equal(await status('ptype'), 'retyped');
    t.equal(await status('pid'), 'same');
    t.equal(await shown(page.getByTestId('sum-same')), '32 same');
    t.match(await shown(rows.filter({ hasText: 'tgid' }).locator('td.changed').first()), /140/);
    await b.shot('diff');
    await page.getByLabel('hide unchanged').check();
    await page.waitForURL(/same=0/);
    await waitCount(rows, 5);
    await page.getByRole('button', { name: '⇄ swap' }).click();
    await page.locator('tr[data-member="vol"][data-status="removed"]').waitFor();
    t.pass('swapping the kernels turns added into removed');

    // the bare tag, as the struct pages take it
    await go(`/diff?${q({ a: OLDER, b: GOLDEN, s: 'task_struct' })}`);
    await page.getByTestId('sum-same').filter({ hasText: '32 same' }).waitFor();
    t.equal(await page.locator('.diff .error, section > p.error').count(), 0);
  });

  t.test(
    'history: one click from the layout, a member across every kernel, then the whole struct',
    async (t) => {
      await go(`/structs?${q({ k: GOLDEN, s: 'struct task_struct', p: 'comm' })}`);
      await page.locator('#history-link').click();
      await page.waitForURL(/\/history\?s=struct\+task_struct&m=comm/);
      const rows = page.locator('table.history tbody tr');
      await waitCount(rows, 3);
      t.match(await shown(rows.nth(0)), OLDER_VER, 'kernels in version order: 5.10 first');
      t.match(await shown(rows.nth(0)), /\b8\b/, 'comm[8] on the older kernel');
      t.match(await shown(rows.nth(1)), GOLDEN_VER);
      t.match(await shown(rows.nth(2)), h.key.ver);
      t.ok((await page.locator('ol.timeline li').count()) >= 2, 'a timeline of runs');
      t.match(await shown(page.locator('#history-summary')), /present from x86_64\/5\.10\.0-30-amd64/);
      await b.shot('history-member');
      await page.fill('#hm', '');
      await page.waitForURL((u) => !u.search.includes('m='));
      await page.locator('table.history tbody tr').filter({ hasText: 'old_flags' }).waitFor();
      t.match(
        await shown(page.locator('table.history tbody tr').filter({ hasText: 'old_flags' })),
        new RegExp(`${OLDER_VER}\\s+x86_64/${OLDER_VER.replace(/\./g, '\\.')}\\s+1`),
        'old_flags only in the older kernel',
      );
      await b.shot('history-struct');
    },
  );

  t.test('functions: by name, return type, argument type', async (t) => {
    await go(`/functions?${q({ k: GOLDEN })}`);
    await page.fill('#fn-arg', 'struct task_struct *');
    await page.waitForURL(/arg=struct/);
    const rows = page.locator('table.functions tbody tr');
    await waitCount(rows, 2);
    t.same((await rows.locator('strong').allInnerTexts()).sort(), ['task_pid_type', 'wake_up_new_task']);
    t.match(
      await shown(rows.filter({ hasText: 'wake_up_new_task' })),
      new RegExp(
        `void wake_up_new_task\\(struct task_struct \\*\\)\\s+kfixture\\.c:${goldenRows().funcs.find((f) => f.func === 'wake_up_new_task')?.line}`,
      ),
    );
    await page.fill('#fn-arg', '');
    await page.fill('#fn-ret', 'struct file *');
    await waitCount(rows, 1);
    t.match(await shown(rows.first()), /do_filp_open\(int, struct filename \*, const struct open_flags \*\)/);
    await page.fill('#fn-ret', '');
    await page.fill('#fn-name', 'netif');
    await page.waitForURL(/q=netif/);
    await rows.filter({ hasText: '__netif_receive_skb_core' }).waitFor();
    await waitCount(rows, 1);
    await b.shot('functions');
    // an argument type is a link to the functions taking it
    await rows.getByRole('button', { name: 'struct sk_buff **' }).click();
    await page.waitForURL(/arg=struct\+sk_buff/);
    t.equal(await waitValue(page.locator('#fn-arg'), 'struct sk_buff **'), 'struct sk_buff **');
  });

  t.test('compile with a token: refused without, a round trip with, then a failing source', async (t) => {
    await go(`/compile?${q({ k: LOCAL })}`);
    await page.fill('#cc-source', bpfFixture('hello'));
    await page.selectOption('#cc-out', 'o');
    await page.fill('#cc-env', '-DWEB_UI_TEST=1');
    await page.locator('#cc-env').press('Tab');
    await page.waitForURL(/env=-DWEB_UI_TEST%3D1/);
    await page.getByRole('button', { name: /Compile/ }).click();
    await page.getByText('This server compiles only with a token').waitFor();
    t.pass('without a token: told to paste one');

    await page.fill('#cc-token', COMPILE_TOKEN);
    t.equal(
      await page.evaluate('localStorage.getItem("surfhive.token")'),
      COMPILE_TOKEN,
      "kept in the browser's storage",
    );
    await page.getByRole('button', { name: /Compile/ }).click();
    const status = page.getByTestId('job-status');
    await status.filter({ hasText: /completed|failed/ }).waitFor({ timeout: 120_000 });
    t.equal(await shown(status), 'completed');
    t.match(page.url(), /job=[0-9a-f]{64}/, 'the job is in the URL');
    const href = (await page.getByTestId('artifact').getAttribute('href'))!;
    t.equal((await page.request.get(`${origin}${href}`)).status(), 401, 'the artifact needs the token');
    const download = page.waitForEvent('download');
    await page.getByTestId('artifact').click();
    const saved = await (await download).path();
    const body = readFileSync(saved);
    t.same([...body.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'an ELF object, fetched with the token');
    t.equal(body[18], 247, 'machine EM_BPF');
    await b.shot('playground-token');

    // a shared job link shows the same job
    await page.goto(page.url());
    await status.filter({ hasText: 'completed' }).waitFor();

    await page.setInputFiles('#cc-file', {
      name: 'bpf.c',
      mimeType: 'text/x-c',
      buffer: Buffer.from(bpfFixture('bad_syntax')),
    });
    await waitValue(page.locator('#cc-source'), bpfFixture('bad_syntax'));
    await page.locator('#cc-source').focus();
    await page.keyboard.press('Control+Enter');
    await status.filter({ hasText: 'failed' }).waitFor({ timeout: 120_000 });
    const log = page.getByTestId('clog');
    t.match(await shown(log), /bpf\.c:6:\d+: error/);
    await log
      .getByRole('button', { name: /^bpf\.c:6:/ })
      .first()
      .click();
    const caret = (await page.evaluate(
      '(() => { const ta = document.getElementById("cc-source"); return [document.activeElement === ta, ta.value.slice(0, ta.selectionStart).split("\\n").length]; })()',
    )) as [boolean, number];
    t.same(caret, [true, 6], 'the log line link puts the caret on line 6');
    await b.shot('compile-error');
  });

  t.test(
    'CO-RE: drop an object, read the grid, open the layout on a failing kernel, get the BTF bundle',
    async (t) => {
      const fx = await buildFixtures();
      t.teardown(fx.cleanup);
      await go('/core');
      await page.setInputFiles('#core-file', fx.objects.state!);
      await page.getByRole('button', { name: 'Check' }).click();
      const grid = page.getByTestId('core-grid');
      await grid.waitFor();
      const local = grid.locator('tbody tr').filter({ hasText: h.key.ver });
      t.match(await shown(local), /fails/, 'task_struct::state: this kernel lacks it');
      t.match(await shown(page.locator('.core-legend')), /task_struct::state/);
      t.match(await shown(page.getByTestId('core-summary')), /Loads on 0 of \d+ kernels/);
      await b.shot('core-check');
      await local.getByRole('link', { name: 'no field' }).click();
      await page.waitForURL(/\/structs\?/);
      t.equal(new URL(page.url()).searchParams.get('s'), 'task_struct');
      t.equal(new URL(page.url()).searchParams.get('k'), LOCAL);

      await go('/core');
      await page.setInputFiles('#core-file', fx.objects.fields!);
      await page.locator('#core-release').fill(h.key.release);
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download BTF bundle' }).click();
      const file = await download;
      t.equal(file.suggestedFilename(), 'core-btf.tar.xz');
      const saved = path.join(fx.dir, 'bundle.tar.xz');
      await file.saveAs(saved);
      const listing = execFileSync('tar', ['-tJf', saved], { encoding: 'utf8' });
      t.match(listing, new RegExp(`x86_64/${h.key.ver.replace(/[.+]/g, '\\$&')}\\.btf`));
    },
  );

  t.test(
    'the API page: the document rendered in the explorer look, no console errors, Try it with a token',
    async (t) => {
      await page.evaluate('localStorage.removeItem("surfhive.token")');
      b.consoleErrors.length = 0;
      await go('/api/v1/docs');
      const ops = page.locator('details.op');
      await ops.first().waitFor();
      t.ok((await ops.count()) >= 40, 'every operation listed');
      t.equal(await page.title(), 'API · surfhive');
      t.equal(await shown(page.locator('nav a[aria-current="page"]')), 'API');
      t.notMatch(await page.content(), /swagger/i, 'no framework branding');

      // a lookup, sent as its own example
      const getStruct = page.locator('details#getStruct');
      await getStruct.locator('summary').click();
      t.equal(await getStruct.locator('input[id="getStruct-path-name"]').inputValue(), 'task_struct');
      t.equal(await getStruct.locator('input[id="getStruct-path-ver"]').inputValue(), GOLDEN_VER);
      await getStruct.getByRole('button', { name: 'Send' }).click();
      await getStruct.getByTestId('try-status').filter({ hasText: '200' }).waitFor();
      t.match(await shown(getStruct.getByTestId('try-body')), /"name": "struct task_struct"/);
      t.same(b.consoleErrors, [], 'no console errors (CSP, scripts, styles)');

      // an operator route: 401 without the token, through with it
      const ingest = page.locator('details#getIngest');
      await ingest.locator('summary').click();
      t.match(await shown(ingest.locator('summary')), /token/);
      await ingest.getByRole('button', { name: 'Send' }).click();
      await ingest.getByTestId('try-status').filter({ hasText: '401' }).waitFor();
      await page.fill('#docs-token', OPERATOR_TOKEN);
      await ingest.getByRole('button', { name: 'Send' }).click();
      await ingest.getByTestId('try-status').filter({ hasText: '404' }).waitFor();
      t.match(
        await shown(ingest.getByTestId('try-body')),
        /SURFHIVE_ERR_JOB_NOT_FOUND/,
        'the token was sent',
      );
      await b.shot('docs-try', false);
      await page.evaluate('window.scrollTo(0, 0)');
      await b.shot('docs', false);
    },
  );

  t.test(
    'narrow screen (420 px): navigation all there, diff type names wrap between words only',
    async (t) => {
      await page.setViewportSize({ width: 420, height: 860 });
      t.teardown(() => page.setViewportSize({ width: 1366, height: 800 }));
      await go(`/diff?${q({ a: OLDER, b: GOLDEN, s: 'struct task_struct' })}`);
      await page.locator('table.diff tbody tr').first().waitFor();
      const links = page.locator('header.top nav a');
      t.equal(await links.count(), 8);
      for (const link of await links.all()) {
        const box = (await link.boundingBox())!;
        t.ok(box.x >= 0 && box.x + box.width <= 420, `${await shown(link)} within the screen`);
      }
      t.ok(
        ((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 420,
        'the page itself does not scroll sideways',
      );
      // every word of every type cell sits on one line
      const split = (await page.evaluate(`(() => {
      const bad = [];
      for (const td of document.querySelectorAll('table.diff td.type')) {
        const text = td.firstChild;
        if (!text || text.nodeType !== 3) continue;
        const s = text.textContent;
        const re = /S+/g;
        let m;
        while ((m = re.exec(s))) {
          const r = document.createRange();
          r.setStart(text, m.index);
          r.setEnd(text, m.index + m[0].length);
          if (r.getClientRects().length > 1) bad.push(m[0]);
        }
      }
      return bad;
    })()`)) as string[];
      t.same(split, [], 'no type name broken inside a word');
      await b.shot('diff-narrow', false);
      await go('/kernels');
      await page.locator('table.kernels tbody tr').first().waitFor();
      t.ok(
        ((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 420,
        'the kernel list scrolls inside its table, not the page',
      );
      await b.shot('narrow', false);
      await links.filter({ hasText: 'Functions' }).click();
      await page.waitForURL(/\/functions/);
      t.pass('a link in the wrapped navigation works');
    },
  );

  t.test('nothing was loaded from elsewhere, nothing threw, no CSP violation', async (t) => {
    t.same(b.foreign, []);
    t.same(b.pageErrors, []);
    t.same(
      b.consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m)),
      [],
    );
  });
}
