// The built book in headless Chromium, as a reader sees it.
//
// `node check-book.mjs BOOK_DIR` serves BOOK_DIR (mdBook's output) on a loopback
// port, opens every page and fails on what a reader would trip over:
//   - a JavaScript error, or a file the page asks for that is missing;
//   - a local link to a page or `#anchor` that does not exist;
//   - at 1280 px, a code block or table wider than the text column;
//   - at 390 px (a phone), a page that scrolls sideways;
//   - a search (through the book's own search box) that finds nothing, in the
//     English edition and in each translation (a folder such as zh-CN/);
//   - where there are translations, a page without its language switch;
//   - Markdown shown as text (`**`, `{#id}`, `[!NOTE]`, `_x_`), which a translation
//     that breaks the markup leaves behind.
// Code blocks and tables that scroll inside themselves at 390 px are listed as
// information: code cannot always fit a phone. Chromium is the one named by the
// CHROMIUM variable; `just test` finds it (workbook/src/browser.rs).
//
// Every wait has a time limit, and the whole run stops after RUN_LIMIT_MS.

import { createServer } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Words a reader of each edition searches for; each must find something. */
const SEARCHES = new Map([
    ['', ['sticky', 'read_exact', '粘包', '报头']],
    ['zh-CN/', ['套接字', '断点续传', '三次握手', 'read_exact']],
]);
/** Pages that repeat the chapters (print) or stand in for them without JavaScript. */
const NOT_MEASURED = new Set(['print.html', 'toc.html']);
const baseName = name => name.split('/').pop();
/** Shown at any missing address, so its heading's own link leads to the book's root. */
const LINKS_NOT_CHECKED = new Set(['404.html']);
const PAGE_LIMIT_MS = 20_000;
const RUN_LIMIT_MS = 480_000; // two editions of about 35 pages, each at two widths
/** How much of an offending line or table to show. */
const SHOWN = 60;

const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.woff2': 'font/woff2',
    '.json': 'application/json',
};

/** Serves `root` on 127.0.0.1 at a free port; resolves to the server once listening. */
function serve(root) {
    const server = createServer(async (request, response) => {
        const file = fileFor(root, new URL(request.url, 'http://x').pathname);
        try {
            const body = await readFile(file);
            const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
            response.writeHead(200, { 'content-type': type });
            response.end(body);
        } catch {
            response.writeHead(404);
            response.end();
        }
    });
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
    });
}

/** The file a URL path names under `root` (a folder means its index.html). */
function fileFor(root, urlPath) {
    const relative = decodeURIComponent(urlPath).replace(/^\/+/, '');
    const file = path.join(root, path.normalize(relative));
    if (!file.startsWith(root)) {
        return root; // outside the book: reading a folder fails, so a 404
    }
    return urlPath.endsWith('/') ? path.join(file, 'index.html') : file;
}

/** Every .html file under `root`, as paths relative to it with `/`. */
async function htmlPages(root, folder = '') {
    const pages = [];
    for (const entry of await readdir(path.join(root, folder), { withFileTypes: true })) {
        const name = folder ? `${folder}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
            pages.push(...await htmlPages(root, name));
        } else if (name.endsWith('.html')) {
            pages.push(name);
        }
    }
    return pages.sort();
}

/** What the check found: `fails` ones make it fail, the others are information. */
class Findings {
    constructor() {
        this.list = [];
    }
    /** Adds a finding, once: a page shown at two widths reports its errors twice. */
    add(fails, kind, page, what) {
        if (!this.list.some(f => f.kind === kind && f.page === page && f.what === what)) {
            this.list.push({ fails, kind, page, what });
        }
    }
    get failures() {
        return this.list.filter(f => f.fails);
    }
}

/**
 * Runs in the page: what overflows its box. A code block names each line longer
 * than the block shows; a table names its header row.
 */
function measure({ shown }) {
    const found = [];
    const scrolls = el => el.scrollWidth > el.clientWidth + 1;
    // A CJK character takes two columns of a monospace font.
    const columns = line => Array.from(line)
        .reduce((n, c) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/.test(c) ? 2 : 1), 0);
    for (const pre of document.querySelectorAll('#mdbook-content pre')) {
        const code = pre.querySelector(':scope > code') ?? pre;
        const box = [pre, code].find(scrolls);
        if (!box) {
            continue;
        }
        const probe = document.createElement('span');
        probe.textContent = 'M'.repeat(40);
        code.append(probe);
        const column = probe.getBoundingClientRect().width / 40;
        probe.remove();
        const style = getComputedStyle(box);
        const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const fit = Math.floor(room / column);
        const lines = code.innerText.split('\n').filter(line => columns(line) > fit);
        for (const line of lines.length ? lines : ['(no single line: the block itself)']) {
            found.push({
                kind: 'code',
                what: `code line of ${columns(line)} columns (${fit} fit): ${line.trim().slice(0, shown)}`,
            });
        }
    }
    for (const table of document.querySelectorAll('#mdbook-content table')) {
        const box = table.closest('.table-wrapper') ?? table.parentElement;
        if (scrolls(box)) {
            const head = Array.from(table.rows[0].cells, cell => cell.innerText.trim()).join(' | ');
            found.push({
                kind: 'table',
                what: `table ${box.scrollWidth - box.clientWidth} px too wide, headed: ${head.slice(0, shown)}`,
            });
        }
    }
    return found;
}

/** Runs in the page: whether the page scrolls sideways, and the outermost elements that make it. */
function sideways({ shown }) {
    const page = document.documentElement;
    if (page.scrollWidth <= page.clientWidth) {
        return [];
    }
    const clipped = el => {
        for (let up = el.parentElement; up; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') {
                return up !== document.body && up !== page;
            }
        }
        return false;
    };
    const culprits = [];
    for (const el of document.querySelectorAll('body *')) {
        if (el.getBoundingClientRect().right > page.clientWidth + 1
            && !clipped(el) && !culprits.some(c => c.contains(el))) {
            culprits.push(el);
        }
    }
    const name = el => `<${el.localName}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ')[0] : ''}>`;
    return culprits.slice(0, 3).map(el => `${name(el)} ${(el.innerText || '').trim().slice(0, shown)}`)
        .concat(culprits.length ? [] : [`the page is ${page.scrollWidth} px wide`]);
}

/** Runs in the page: its anchors, and the local links it makes (absolute URLs). */
function anchorsAndLinks() {
    const anchors = Array.from(document.querySelectorAll('[id], a[name]'), el => el.id || el.name);
    const links = Array.from(document.querySelectorAll('a[href]'), a => a.href)
        .filter(href => href.startsWith(location.origin));
    const switches = document.querySelectorAll('a.language-switch').length;
    // Markdown that was not rendered (a translation can break it): `**`, a
    // heading's `{#id}`, a `[!NOTE]`, `_emphasis_` (which does not work
    // between Chinese characters), in text outside code.
    const leftovers = [];
    const walker = document.createTreeWalker(
        document.querySelector('#mdbook-content') ?? document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('pre, code, script, style')) {
            continue;
        }
        const found = node.textContent.match(/\*\*|\{#[^}]*\}|\[![A-Z]+\]|(?:^|[^A-Za-z0-9_])_[^_\s][^_]*_(?![A-Za-z0-9_])/);
        if (found) {
            leftovers.push(node.textContent.trim().slice(0, 60));
        }
    }
    return { anchors, links, switches, leftovers };
}

/**
 * One browser tab at one width, reused from page to page. JavaScript errors and
 * missing files are findings of the page it shows.
 */
class Tab {
    static async open(browser, viewport, base, findings) {
        const context = await browser.newContext({ viewport });
        const tab = new Tab(await context.newPage(), base);
        tab.page.setDefaultTimeout(PAGE_LIMIT_MS);
        tab.page.on('pageerror', error => findings.add(true, 'javascript', tab.name, error.message));
        tab.page.on('console', message => {
            // A missing file is reported by name below; the console only says "404".
            if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
                findings.add(true, 'javascript', tab.name, message.text());
            }
        });
        tab.page.on('response', response => {
            if (response.status() >= 400) {
                findings.add(true, 'missing file', tab.name, response.url().slice(base.length));
            }
        });
        return tab;
    }

    constructor(page, base) {
        this.page = page;
        this.base = base;
        this.name = '';
    }

    /** Shows page `name`; resolves once it and its fonts are loaded. */
    async show(name) {
        this.name = name;
        await this.page.goto(this.base + name, { waitUntil: 'load', timeout: PAGE_LIMIT_MS });
        await this.page.evaluate(() => document.fonts.ready);
        return this.page;
    }
}

/** Searches through the book's own search box; resolves to the number of results. */
async function search(page, term) {
    if (await page.locator('#mdbook-search-toggle').count() === 0) {
        return 0; // no search box at all
    }
    const box = page.locator('#mdbook-searchbar');
    if (!await box.isVisible()) {
        await page.click('#mdbook-search-toggle');
    }
    await box.fill(term);
    await box.press('End'); // the searcher listens for key-up
    // The header says "N search results for 'term':" or "No search results for 'term'."
    await page.waitForFunction(
        t => document.getElementById('mdbook-searchresults-header').innerText.includes(`'${t}'`),
        term,
        { timeout: PAGE_LIMIT_MS },
    );
    return page.locator('#mdbook-searchresults > li').count();
}

export async function check(root, executablePath) {
    const findings = new Findings();
    const pages = await htmlPages(root);
    const server = await serve(root);
    const base = `http://127.0.0.1:${server.address().port}/`;
    const browser = await chromium.launch({
        executablePath,
        timeout: PAGE_LIMIT_MS,
        args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync'],
    });
    try {
        const desktop = await Tab.open(browser, DESKTOP, base, findings);
        const phone = await Tab.open(browser, PHONE, base, findings);
        const anchors = new Map();
        const links = new Map(); // link → the first page that makes it
        const translated = pages.some(name => name.includes('/') && SEARCHES.has(name.split('/')[0] + '/'));
        for (const name of pages) {
            const page = await desktop.show(name);
            const found = await page.evaluate(anchorsAndLinks);
            anchors.set(name, new Set(found.anchors));
            for (const link of LINKS_NOT_CHECKED.has(baseName(name)) ? [] : found.links) {
                if (!links.has(link)) {
                    links.set(link, name);
                }
            }
            for (const text of found.leftovers) {
                findings.add(true, 'markup shown as text', name, text);
            }
            if (translated && found.switches !== 1 && !NOT_MEASURED.has(baseName(name))) {
                findings.add(true, 'language switch', name, `${found.switches} language switches (1 expected)`);
            }
            if (NOT_MEASURED.has(baseName(name))) {
                continue;
            }
            for (const { kind, what } of await page.evaluate(measure, { shown: SHOWN })) {
                findings.add(true, `too wide at ${DESKTOP.width} px`, name, `${kind}: ${what}`);
            }
            const narrow = await phone.show(name);
            for (const what of await narrow.evaluate(sideways, { shown: SHOWN })) {
                findings.add(true, `scrolls sideways at ${PHONE.width} px`, name, what);
            }
            const inBox = await narrow.evaluate(measure, { shown: SHOWN });
            if (inBox.length > 0) {
                const lines = inBox.filter(f => f.kind === 'code').length;
                const tables = inBox.length - lines;
                findings.add(false, `at ${PHONE.width} px`, name,
                    `${lines} code lines and ${tables} tables scroll inside their box`);
            }
        }
        for (const [link, from] of links) {
            const problem = await brokenLink(root, base, link, anchors);
            if (problem) {
                findings.add(true, 'broken link', from, `${link.slice(base.length)}: ${problem}`);
            }
        }
        for (const [edition, terms] of SEARCHES) {
            const start = `${edition}index.html`;
            if (!pages.includes(start)) {
                continue;
            }
            const page = await desktop.show(start);
            for (const term of terms) {
                const results = await search(page, term);
                findings.add(results === 0, 'search', start,
                    results === 0 ? `"${term}" finds nothing` : `"${term}" finds ${results}`);
            }
        }
    } finally {
        await browser.close();
        server.close();
    }
    return { pages: pages.length, findings };
}

/** Why a local link leads nowhere, or null when it leads to its file and anchor. */
async function brokenLink(root, base, link, anchors) {
    const url = new URL(link);
    const file = fileFor(root, url.pathname);
    const exists = await stat(file).then(s => s.isFile(), () => false);
    if (!exists) {
        return 'no such file';
    }
    const anchor = decodeURIComponent(url.hash.slice(1));
    const target = path.relative(root, file).split(path.sep).join('/');
    if (anchor && anchors.has(target) && !anchors.get(target).has(anchor)) {
        return `${target} has no #${anchor}`;
    }
    return null;
}

export function report({ pages, findings }) {
    const byKind = new Map();
    for (const f of findings.list) {
        console.log(`${f.fails ? '✘' : '·'} ${f.page}: ${f.kind}: ${f.what}`);
        if (f.fails) {
            byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
        }
    }
    const counts = Array.from(byKind, ([kind, n]) => `${n} ${kind}`).join(', ');
    console.log(`${pages} pages opened; ${findings.failures.length} problems${counts ? `: ${counts}` : ''}`);
    return findings.failures.length === 0;
}

/** `node check-book.mjs BOOK_DIR`; importing this file (as the test does) runs nothing. */
async function main() {
    const [root] = process.argv.slice(2);
    const executable = process.env.CHROMIUM;
    if (!root || !executable) {
        console.error('usage: CHROMIUM=/path/to/chromium node check-book.mjs BOOK_DIR');
        process.exit(2);
    }
    setTimeout(() => {
        console.error(`the browser check took longer than ${RUN_LIMIT_MS / 1000} s and was stopped`);
        process.exit(2); // Playwright closes the browser on exit
    }, RUN_LIMIT_MS).unref();
    try {
        process.exit(report(await check(path.resolve(root), executable)) ? 0 : 1);
    } catch (error) {
        console.error(`the browser check could not run: ${error.message}`);
        process.exit(2);
    }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
    await main();
}
