// Prints the gzip size of the JavaScript the browser loads before the first page renders
// (the entry script plus its modulepreload imports) and fails when it exceeds the budget.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const budgetKb = Number(process.env.INITIAL_JS_BUDGET_KB ?? 300);
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set();
for (const match of html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/?([^"]+\.js)"/g)) {
  initial.add(match[1]);
}

const gz = (file) => gzipSync(readFileSync(join(dist, file))).length;
let total = 0;
console.log('initial JavaScript (gzip):');
for (const file of initial) {
  const size = gz(file);
  total += size;
  console.log(`  ${(size / 1024).toFixed(1).padStart(8)} KB  ${file}`);
}
const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !initial.has(`assets/${f}`));
const lazyTotal = lazy.reduce((sum, f) => sum + gz(`assets/${f}`), 0);
console.log(`initial JS gzip total: ${(total / 1024).toFixed(1)} KB (budget ${budgetKb} KB)`);
console.log(`lazy route chunks: ${lazy.length} files, ${(lazyTotal / 1024).toFixed(1)} KB gzip`);
if (initial.size === 0) {
  console.error('no entry script found in dist/index.html');
  process.exit(1);
}
if (total > budgetKb * 1024) {
  console.error(`initial JS exceeds the ${budgetKb} KB budget`);
  process.exit(1);
}
