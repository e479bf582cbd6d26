// The page's files: plain HTML, CSS and JavaScript served as they are, no build step. Only
// the files listed here are served, so no path from a URL ever reaches the file system.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

const PUBLIC_DIR = join(__dirname, 'public');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/mrkdwn.js': { file: 'mrkdwn.js', type: 'text/javascript; charset=utf-8' },
  '/block-kit.js': { file: 'block-kit.js', type: 'text/javascript; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export function isAsset(path: string): boolean {
  return Object.hasOwn(ASSETS, path);
}

export async function serveAsset(path: string, response: ServerResponse): Promise<void> {
  const asset = ASSETS[path];
  if (!asset) throw new Error(`not an asset: ${path}`);
  // Read on every request, so an edit shows on reload while the sandbox runs.
  const body = await readFile(join(PUBLIC_DIR, asset.file));
  response.writeHead(200, { 'Content-Type': asset.type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(body);
}
