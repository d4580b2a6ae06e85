// The browser check finds each kind of problem, in a fixture page made to have one
// of each (fixture/index.html); the page without problems has none.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { check } from './check-book.mjs';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixture');

test('every kind of problem is found, on the page that has it', { timeout: 120_000 }, async () => {
    const { pages, findings } = await check(fixture, process.env.CHROMIUM);
    assert.equal(pages, 3);
    const failures = findings.failures.map(f => `${f.page}: ${f.kind}: ${f.what}`);
    const expect = [
        /^index\.html: javascript: undefinedFunction is not defined$/,
        /^index\.html: broken link: missing\.html: no such file$/,
        /^index\.html: broken link: other\.html#nowhere: other\.html has no #nowhere$/,
        /^index\.html: too wide at 1280 px: code: code line of \d+ columns \(\d+ fit\): fn a_line_far_too_long_for_any_column\(\) \{ println!\("\{\}", "pa$/,
        /^index\.html: too wide at 1280 px: table: table \d+ px too wide, headed: wide \| table$/,
        /^index\.html: scrolls sideways at 390 px: <p> A paragraph wider than a phone\.$/,
        /^index\.html: search: "sticky" finds nothing$/,
        // With a translation (the folder zh-CN/), every page needs its language
        // switch, and each edition's search must find its own words.
        /^index\.html: language switch: 0 language switches \(1 expected\)$/,
        /^zh-CN\/index\.html: language switch: 0 language switches \(1 expected\)$/,
        /^zh-CN\/index\.html: search: "套接字" finds nothing$/,
        /^zh-CN\/index\.html: markup shown as text: \*\*没有渲染的粗体\*\* 和 \{#an-anchor\}$/,
        /^zh-CN\/index\.html: markup shown as text: 套接字默认是_阻塞_的$/,
    ];
    for (const pattern of expect) {
        assert.ok(failures.some(f => pattern.test(f)), `no finding matches ${pattern}:\n${failures.join('\n')}`);
    }
    assert.ok(failures.every(f => /^(zh-CN\/)?index\.html: /.test(f) || f.startsWith('other.html: language switch')),
        failures.join('\n'));
});
