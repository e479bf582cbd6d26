/**
 * The response_urls the simulator has handed out, and who each one answers. Slack's are
 * opaque, unguessable URLs; ours are a counter plus random hex under `${url}/response/`.
 */
import { randomBytes } from 'node:crypto';
import type { ResponseUrlContext } from './types';

export class ResponseUrls {
  private readonly byId = new Map<string, ResponseUrlContext>();
  private count = 0;

  constructor(private readonly baseUrl: () => string) {}

  create(context: Omit<ResponseUrlContext, 'id' | 'uses'>): string {
    this.count += 1;
    const id = `${this.count}-${randomBytes(6).toString('hex')}`;
    this.byId.set(id, { ...context, id, uses: 0 });
    return this.urlFor(id);
  }

  /** The live context (uses are counted on it), or undefined for a URL never handed out. */
  get(id: string): ResponseUrlContext | undefined {
    return this.byId.get(id);
  }

  urlFor(id: string): string {
    return `${this.baseUrl()}/response/${id}`;
  }

  static idOf(url: string): string {
    return url.slice(url.lastIndexOf('/') + 1);
  }
}
