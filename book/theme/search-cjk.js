// Chinese words in the book's search.
//
// mdBook's search index keeps only ASCII words, and the query side (elasticlunr's
// trimmer strips every `\W` character) drops the rest, so 粘包 finds nothing
// (rust-lang/mdBook#1081). Chinese has no spaces between words, so both sides here
// cut each run of CJK characters into overlapping pairs (粘包问题 → 粘包 包问 问题),
// the usual way to search such text without a dictionary. The pairs are added to
// the index when the searcher loads it, from the text the index already stores, so
// this works the same with `mdbook build` and `mdbook serve`.
(function () {
    'use strict';
    if (typeof elasticlunr === 'undefined') {
        return;
    }

    // Kana, CJK ideographs (with extension A and compatibility), Hangul.
    const CJK = '\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af';
    const CJK_RUN = new RegExp('[' + CJK + ']+', 'g');

    /** The CJK pairs of `text`; a lone CJK character stands for itself. */
    function pairs(text) {
        const out = [];
        for (const run of text.match(CJK_RUN) || []) {
            const chars = Array.from(run);
            if (chars.length === 1) {
                out.push(run);
            }
            for (let i = 0; i + 1 < chars.length; i++) {
                out.push(chars[i] + chars[i + 1]);
            }
        }
        return out;
    }

    // Query side: a token with CJK in it becomes its pairs plus its other words.
    const tokenizer = elasticlunr.tokenizer;
    function cjkTokenizer() {
        return tokenizer.apply(this, arguments).flatMap(token => {
            const cjk = pairs(token);
            if (cjk.length === 0) {
                return [token];
            }
            const rest = token.replace(CJK_RUN, ' ').split(/\s+/).filter(Boolean);
            return rest.concat(cjk);
        });
    }
    elasticlunr.tokenizer = Object.assign(cjkTokenizer, tokenizer);

    // elasticlunr's trimmer with CJK characters counted as word characters.
    const EDGE = new RegExp('^[^\\w' + CJK + ']+|[^\\w' + CJK + ']+$', 'g');
    function cjkTrimmer(token) {
        return token.replace(EDGE, '');
    }
    elasticlunr.Pipeline.registerFunction(cjkTrimmer, 'trimmer-cjk');

    // Index side: add every document's pairs, counted as elasticlunr counts a word.
    const load = elasticlunr.Index.load;
    elasticlunr.Index.load = function (serialised) {
        const index = load.call(this, serialised);
        if (index.pipeline.get().includes(elasticlunr.trimmer)) {
            index.pipeline.before(elasticlunr.trimmer, cjkTrimmer);
            index.pipeline.remove(elasticlunr.trimmer);
        }
        const store = index.documentStore;
        for (const ref of Object.keys(store.docs)) {
            const doc = store.getDoc(ref);
            for (const field of index.getFields()) {
                const counts = new Map();
                for (const pair of pairs(String(doc[field] || ''))) {
                    counts.set(pair, (counts.get(pair) || 0) + 1);
                }
                for (const [pair, n] of counts) {
                    index.index[field].addToken(pair, {ref, tf: Math.sqrt(n)});
                }
            }
        }
        return index;
    };
}());
