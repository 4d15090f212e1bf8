import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';

/**
 * Checks a timeline page (`timeline-svg.ts`) in a real headless browser, as the issue asks: not
 * only as a string. A host tool, never part of a run, and not part of `npm test`, since Chromium
 * is not guaranteed on every machine (`apt-get install chromium` on Debian):
 *
 *   npx tsx sim/report/check-timeline.ts DIR/timeline.html [SHOT.png] [--expect-violation]
 *
 * It has Chromium parse the page and dump its DOM (`--dump-dom`), and asserts that the parsed
 * SVG holds the node lanes, the partitions' rows with their high watermark lines, and one
 * violation marker per listed violation (at least one under `--expect-violation`). It then takes
 * a 1400x900 screenshot (`--screenshot`), decodes the PNG and asserts that it is not blank: many
 * colours, among them the running lanes' green and, when a violation is drawn, its red. The
 * browser is `$CHROMIUM`, or `chromium`. Exits 0 when every check passes, 1 otherwise.
 */
const args = process.argv.slice(2);
const expectViolation = args.includes('--expect-violation');
const [page, shot = '/tmp/refka-timeline.png'] = args.filter((arg) => !arg.startsWith('--'));
if (page === undefined) {
  process.stderr.write('usage: check-timeline.ts PAGE.html [SHOT.png] [--expect-violation]\n');
  process.exit(2);
}
const url = pathToFileURL(resolve(page)).href;
const browser = process.env['CHROMIUM'] ?? 'chromium';
// --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
const common = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1400,900'];

const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
};

function chromium(extra: readonly string[]): string {
  const run = spawnSync(browser, [...common, ...extra, url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (run.error !== undefined) throw new Error(`cannot run ${browser}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`${browser} exited with ${run.status}: ${run.stderr}`);
  return run.stdout;
}

const dom = chromium(['--dump-dom']);
const count = (pattern: RegExp): number => dom.match(pattern)?.length ?? 0;
const nodeLanes = count(/<g class="lane node" data-node="/g);
const rows = [...dom.matchAll(/<g class="row" data-row="([^"]*)"/g)].map((match) => match[1] ?? '');
const partitions = rows.filter((row) => !row.startsWith('broker '));
const markers = count(/<g class="violation" /g);
const listed = count(/<li class="violation-item">/g);
check(dom.includes('<svg') && dom.includes('class="timeline"'), 'the browser parsed the timeline SVG');
check(nodeLanes > 0, `node lanes drawn (${nodeLanes})`);
check(partitions.length > 0, `partition rows drawn (${partitions.join(', ')})`);
check(count(/<polyline class="series"/g) >= partitions.length, 'a high watermark line per partition');
check(markers === listed && (!expectViolation || markers > 0), `violation markers (${markers}) match the violations listed (${listed})`);

chromium([`--screenshot=${resolve(shot)}`]);
const image = decodePng(readFileSync(shot));
check(image.width === 1400 && image.height === 900, `screenshot is 1400x900 (${image.width}x${image.height})`);
const colours = new Map<number, number>();
for (let offset = 0; offset < image.pixels.length; offset += image.channels) {
  const rgb = ((image.pixels[offset] ?? 0) << 16) | ((image.pixels[offset + 1] ?? 0) << 8) | (image.pixels[offset + 2] ?? 0);
  colours.set(rgb, (colours.get(rgb) ?? 0) + 1);
}
check(colours.size > 20, `screenshot is not blank (${colours.size} colours)`);
check((colours.get(0x2da44e) ?? 0) > 1_000, 'running lanes are visible (green)');
if (markers > 0) check((colours.get(0xcf222e) ?? 0) > 50, 'the violation line is visible (red)');
process.stdout.write(`screenshot: ${resolve(shot)}\n`);
process.exit(failures.length === 0 ? 0 : 1);

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are). */
function decodePng(bytes: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const colourType = body[9];
      if (body[8] !== 8 || (colourType !== 2 && colourType !== 6) || body[12] !== 0) throw new Error('expected an 8-bit RGB(A) non-interlaced PNG');
      channels = colourType === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      data.push(body);
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let row = 0; row < height; row++) {
    const filter = raw[row * (stride + 1)];
    for (let column = 0; column < stride; column++) {
      const value = raw[row * (stride + 1) + 1 + column] ?? 0;
      const left = column >= channels ? (pixels[row * stride + column - channels] ?? 0) : 0;
      const up = row > 0 ? (pixels[(row - 1) * stride + column] ?? 0) : 0;
      const upLeft = row > 0 && column >= channels ? (pixels[(row - 1) * stride + column - channels] ?? 0) : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const estimate = left + up - upLeft;
        const [a, b, c] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)];
        predicted = a <= b && a <= c ? left : b <= c ? up : upLeft;
      }
      pixels[row * stride + column] = (value + predicted) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}
