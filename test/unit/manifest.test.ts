// manifest.yml against the code: the command Slack sends is the one the bot listens for, and the
// bot asks for exactly the scopes the Web API methods it calls need. A new call without its
// scope fails here rather than in a workspace. manifest.socket-mode.yml is the same app in
// Socket Mode, and is kept to that.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { COMMAND } from '../../src/domain/command';
import { REQUEST_SHORTCUT } from '../../src/slack/blocks/request-form';

const ROOT = join(__dirname, '..', '..');

interface Manifest {
  features: {
    app_home?: { messages_tab_enabled?: boolean; home_tab_enabled?: boolean };
    shortcuts?: Array<{ name: string; type: string; callback_id: string; description: string }>;
    slash_commands: Array<{ command: string; url?: string; description?: string; usage_hint?: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
    event_subscriptions?: { request_url?: string; bot_events: string[] };
    socket_mode_enabled?: boolean;
  };
}

const MANIFESTS = ['manifest.yml', 'manifest.socket-mode.yml'] as const;
const read = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8')) as Manifest;
const manifest = read('manifest.yml');

/**
 * The bot scopes Slack's method reference lists for each Web API method the code calls, for the
 * kinds of conversation it calls them on: the approvers' channel (public or private) and the
 * requester's direct message.
 */
const SCOPES_FOR_METHOD: Record<string, readonly string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'usergroups.users.list': ['usergroups:read'],
  // A request's thread, in the approvers' channel.
  'conversations.replies': ['channels:history', 'groups:history'],
  // The approvers' channel, and the requester's direct message.
  'conversations.history': ['channels:history', 'groups:history', 'im:history'],
  // The requester's direct message.
  'conversations.open': ['im:write'],
  // Modals and the Home tab: Slack's method pages list no scope for any of them.
  'views.open': [],
  'views.update': [],
  'views.publish': [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `client.<namespace>.<method>(` in the app's source (the sandbox is not the app). */
function webApiMethodsCalled(): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bclient\s*\.\s*((?:[a-z]+\s*\.\s*)+[a-zA-Z]+)\s*\(/g)) {
      const method = match[1]!.replace(/\s+/g, '');
      calls.set(method, [...(calls.get(method) ?? []), relative(ROOT, file)]);
    }
  }
  return calls;
}

describe('manifest.yml', () => {
  it('declares the slash command the bot listens for, with a description and a usage hint', () => {
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toEqual([]);
    expect(command!.command).toBe(COMMAND);
    expect(command!.description).toBeTruthy();
    expect(command!.usage_hint).toMatch(/request .*--for .*revoke .*list .*history .*help/);
  });

  it('sends commands, clicks, select options and events to the one endpoint the deployment serves, as a placeholder to replace', () => {
    const serverless = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
      functions: { slack: { events: Array<{ httpApi: { method: string; path: string } }> } };
    };
    const path = serverless.functions.slack.events[0]!.httpApi.path;
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    const urls = [
      manifest.features.slash_commands[0]!.url,
      manifest.settings.interactivity.request_url,
      manifest.settings.interactivity.message_menu_options_url,
      manifest.settings.event_subscriptions?.request_url,
    ];
    for (const url of urls) {
      expect(new URL(url!).pathname).toBe(path);
      expect(url).toMatch(/REPLACE-WITH/);
    }
  });

  it('finds the Web API calls the scope check relies on', () => {
    expect([...webApiMethodsCalled().keys()]).toEqual(
      expect.arrayContaining(['chat.postMessage', 'chat.update', 'usergroups.users.list', 'conversations.history', 'conversations.replies', 'conversations.open']),
    );
  });

  it('has known scopes for every Web API method the code calls', () => {
    const unknown = [...webApiMethodsCalled()].filter(([method]) => !(method in SCOPES_FOR_METHOD));
    // Look the method up in Slack's reference, add its bot scopes to manifest.yml and to SCOPES_FOR_METHOD.
    expect(unknown.map(([method, files]) => `${method} (${files.join(', ')})`)).toEqual([]);
  });

  it('asks for exactly the bot scopes the code needs: commands plus those of each method called', () => {
    const needed = new Set(['commands', ...[...webApiMethodsCalled().keys()].flatMap((method) => SCOPES_FOR_METHOD[method] ?? [])]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it.each(MANIFESTS)('says in %s on each bot scope what it is used for', (file) => {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const uncommented = read(file).oauth_config.scopes.bot.filter((scope) => {
      const at = lines.findIndex((line) => line.trim() === `- ${scope}`);
      return !lines[at - 1]?.trim().startsWith('#');
    });
    expect(uncommented).toEqual([]);
  });

  it('declares the global shortcut the bot opens the request form for', () => {
    expect(manifest.features.shortcuts).toEqual([
      { name: 'Request ECR pull access', type: 'global', callback_id: REQUEST_SHORTCUT, description: expect.any(String) },
    ]);
  });

  it('enables the Home tab, and subscribes to app_home_opened, which the bot listens for', () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_home_opened']);
    const listeners = sourceFiles(join(ROOT, 'src')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bapp\.event\(\s*'([a-z_]+)'/g)].map((m) => m[1]));
    expect(listeners).toEqual(manifest.settings.event_subscriptions?.bot_events);
  });

  it('opens the app’s Messages tab, where the direct messages to requesters land', () => {
    expect(manifest.features.app_home?.messages_tab_enabled).toBe(true);
  });
});

describe('manifest.socket-mode.yml', () => {
  const socketMode = read('manifest.socket-mode.yml');

  it('is manifest.yml in Socket Mode, without the request URLs a connection the bot opens has no use for', () => {
    const [command] = manifest.features.slash_commands;
    const { url: _url, ...commandWithoutUrl } = command!;
    const { request_url: _requestUrl, message_menu_options_url: _optionsUrl, ...interactivity } = manifest.settings.interactivity;
    const { request_url: _eventsUrl, ...eventSubscriptions } = manifest.settings.event_subscriptions!;
    expect(socketMode).toEqual({
      ...manifest,
      features: { ...manifest.features, slash_commands: [commandWithoutUrl] },
      settings: { ...manifest.settings, interactivity, event_subscriptions: eventSubscriptions, socket_mode_enabled: true },
    });
  });
});
