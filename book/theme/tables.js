// Tables on a phone: reading.css shows each row as a card, one cell under the
// other; this gives every cell its column's name (`data-label`) to show above it.
(function () {
    'use strict';
    for (const table of document.querySelectorAll('#mdbook-content table')) {
        const names = Array.from(table.querySelectorAll('thead th'), th => th.textContent.trim());
        for (const row of table.querySelectorAll('tbody tr')) {
            Array.from(row.cells).forEach((cell, i) => {
                if (names[i]) {
                    cell.dataset.label = names[i];
                }
            });
        }
    }
}());
