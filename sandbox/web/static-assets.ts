// The page's files: plain HTML, CSS and JavaScript (ES modules) served as they are, no build
// step. Only the files listed here are served, so no path from a URL reaches the file system.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

const PUBLIC_DIR = join(__dirname, 'public');

const FILES = [
  'index.html',
  'style.css',
  'favicon.svg',
  // Slack's formatting, also loaded by the tests as CommonJS.
  'mrkdwn.js',
  'block-kit.js',
  // The page's modules.
  'app.js',
  'store.js',
  'formats.js',
  'reconcile.js',
  'timeline.js',
  'conversation-view.js',
  'policy-panel.js',
  'clock.js',
  'composer.js',
  'confirm-dialog.js',
  'modal-view.js',
  'home-view.js',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const PATHS = new Map<string, string>([['/', 'index.html'], ...FILES.map((file): [string, string] => [`/${file}`, file])]);

export function isAsset(path: string): boolean {
  return PATHS.has(path);
}

export async function serveAsset(path: string, response: ServerResponse): Promise<void> {
  const file = PATHS.get(path);
  if (file === undefined) throw new Error(`not an asset: ${path}`);
  // Read on every request, so an edit shows on reload while the sandbox runs.
  const body = await readFile(join(PUBLIC_DIR, file));
  response.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}
