import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Browser, type Page } from './browser/cdp-pipe.ts';
import { decodePng } from './browser/png.ts';

/**
 * Checks the pages `--report DIR` writes in a real headless browser (issue 14: "checked in a real
 * headless browser, a screenshot, a DOM assertion"), not only as strings:
 *
 *   npm run check-pages -- DIR [--expect-violation] [--shots OUTDIR]
 *
 * `index.html`: it fits the page width at 1400 and at 1000 CSS pixels (no horizontal scrolling),
 * it has a row per run `coverage.json` lists, and every link it has to a timeline page resolves.
 * Each timeline page (`timeline.html` or a sweep's `seed-N.html`): the parsed SVG holds node lanes,
 * partition rows with a high-watermark line each, and one violation marker per violation listed;
 * its 1400x900 screenshot is not blank and shows the running lanes' green and, when a violation is
 * drawn, its red. `--expect-violation` asks for at least one marker over all pages.
 *
 * The browser is `$CHROMIUM`, or `chromium` (Debian's package; `.ci/run` installs it). Exits 0
 * when every check passes, 1 when one fails, 2 on bad arguments.
 */
const args = process.argv.slice(2);
const expectViolation = args.includes('--expect-violation');
const shotsAt = args.indexOf('--shots');
const shots = shotsAt >= 0 ? args[shotsAt + 1] : undefined;
const dirs = args.filter((arg, index) => !arg.startsWith('--') && (shotsAt < 0 || index !== shotsAt + 1));
const dir = dirs[0];
if (dir === undefined || dirs.length !== 1 || (shotsAt >= 0 && shots === undefined)) {
  process.stderr.write('usage: check-pages DIR [--expect-violation] [--shots OUTDIR]\n');
  process.exit(2);
}
if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'coverage.json'))) {
  process.stderr.write(`check-pages: ${dir} has no index.html and coverage.json (write one with --report ${dir})\n`);
  process.exit(2);
}

const failures: string[] = [];
function check(ok: boolean, what: string): void {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
}

const browser = Browser.launch(process.env['CHROMIUM'] ?? 'chromium');
try {
  const report = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')) as { runs: readonly { seed: number }[] };
  const url = (file: string): string => pathToFileURL(resolve(dir, file)).href;
  let pages: string[] = [];
  for (const width of [1400, 1000]) {
    const page = await browser.open(url('index.html'), width, 900);
    const sizes = await page.evaluate<{ scroll: number; inner: number }>('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })');
    check(sizes.scroll <= sizes.inner, `index.html fits ${width} px (content ${sizes.scroll} px wide)`);
    if (width === 1400) {
      const rows = await page.evaluate<number>(`(() => { const h = [...document.querySelectorAll('h2')].find((e) => e.textContent === 'Runs'); let t = h; while (t && t.tagName !== 'TABLE') t = t.nextElementSibling; return t ? t.querySelectorAll('tbody tr').length : 0; })()`);
      check(rows === report.runs.length, `index.html has a row per listed run (${rows} of ${report.runs.length})`);
      pages = await page.evaluate<string[]>(`[...new Set([...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')))]`);
      for (const link of pages) check(existsSync(join(dir, link)), `link ${link} resolves`);
      await saveShot(page, 'index.png');
    }
  }
  if (existsSync(join(dir, 'timeline.html')) && !pages.includes('timeline.html')) pages.push('timeline.html');
  let markersSeen = 0;
  for (const file of pages.filter((link) => existsSync(join(dir, link)))) {
    markersSeen += await checkTimeline(await browser.open(url(file), 1400, 900), file);
  }
  if (expectViolation) check(markersSeen > 0, `a violation is drawn (${markersSeen} markers over ${pages.length} pages)`);
} catch (error) {
  // No browser, or one that died: one line, not a stack trace.
  process.stderr.write(`check-pages: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exit(2);
} finally {
  await browser.close();
}
process.exit(failures.length === 0 ? 0 : 1);

async function checkTimeline(page: Page, file: string): Promise<number> {
  const dom = await page.evaluate<{ svg: boolean; lanes: number; rows: string[]; series: number; markers: number; listed: number }>(`({
    svg: document.querySelector('svg.timeline') !== null,
    lanes: document.querySelectorAll('g.lane.node').length,
    rows: [...document.querySelectorAll('g.row[data-row]')].map((g) => g.getAttribute('data-row')),
    series: document.querySelectorAll('polyline.series').length,
    markers: document.querySelectorAll('g.violation').length,
    listed: document.querySelectorAll('li.violation-item').length,
  })`);
  const partitions = dom.rows.filter((row) => !row.startsWith('broker '));
  check(dom.svg, `${file}: the browser parsed the timeline SVG`);
  check(dom.lanes > 0, `${file}: node lanes drawn (${dom.lanes})`);
  check(partitions.length > 0, `${file}: partition rows drawn (${partitions.join(', ')})`);
  check(dom.series >= partitions.length, `${file}: a high watermark line per partition`);
  check(dom.markers === dom.listed, `${file}: violation markers (${dom.markers}) match the violations listed (${dom.listed})`);
  const image = decodePng(await saveShot(page, file.replace(/\.html$/, '.png')));
  check(image.width === 1400 && image.height === 900, `${file}: screenshot is 1400x900 (${image.width}x${image.height})`);
  const colours = new Map<number, number>();
  for (let offset = 0; offset < image.pixels.length; offset += image.channels) {
    const rgb = ((image.pixels[offset] ?? 0) << 16) | ((image.pixels[offset + 1] ?? 0) << 8) | (image.pixels[offset + 2] ?? 0);
    colours.set(rgb, (colours.get(rgb) ?? 0) + 1);
  }
  check(colours.size > 20, `${file}: screenshot is not blank (${colours.size} colours)`);
  check((colours.get(0x2da44e) ?? 0) > 1_000, `${file}: running lanes are visible (green)`);
  if (dom.markers > 0) check((colours.get(0xcf222e) ?? 0) > 50, `${file}: the violation line is visible (red)`);
  return dom.markers;
}

async function saveShot(page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot();
  if (shots !== undefined) writeFileSync(join(shots, name), png);
  return png;
}
