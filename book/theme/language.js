// The language switch in the menu bar: a link to this same page in the other
// edition. The English edition is the site's root; the Chinese one is the
// folder zh-CN/ inside it (`just book` builds both; workbook/src/book.rs).
(function () {
    'use strict';
    const bar = document.querySelector('#mdbook-menu-bar .right-buttons');
    if (!bar || typeof path_to_root === 'undefined') {
        return;
    }
    const chinese = document.documentElement.lang === 'zh-CN';
    // path_to_root leads from this page to its edition's root folder.
    const root = new URL(path_to_root, location.href);
    const here = location.href.slice(root.href.length);
    const link = document.createElement('a');
    link.className = 'language-switch';
    if (chinese) {
        link.href = new URL('../' + here, root).href;
        link.hreflang = link.lang = 'en';
        link.textContent = 'English';
        link.title = 'Read this page in English';
    } else {
        link.href = new URL('zh-CN/' + here, root).href;
        link.hreflang = link.lang = 'zh-CN';
        link.textContent = '中文';
        link.title = '阅读本页的中文版';
    }
    link.setAttribute('aria-label', link.title);
    bar.prepend(link);
}());
