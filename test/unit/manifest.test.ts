import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MESSAGE_SHORTCUTS, SLASH_COMMANDS } from '../../src/slack-surface.js';

interface Manifest {
  features: {
    slash_commands: Array<{ command: string; url: string; description: string; usage_hint: string }>;
    shortcuts: Array<{ name: string; type: string; callback_id: string }>;
    app_home: { home_tab_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string; message_menu_options_url: string };
  };
}

const manifest = parse(readFileSync('manifest.yml', 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it('declares exactly the slash commands the code handles, with the same words', () => {
    expect(manifest.features.slash_commands.map((c) => [c.command, c.description, c.usage_hint])).toEqual(
      SLASH_COMMANDS.map((c) => [c.command, c.description, c.usageHint]),
    );
  });

  it('declares the message shortcut', () => {
    expect(manifest.features.shortcuts).toEqual(
      MESSAGE_SHORTCUTS.map((s) => ({
        name: s.name,
        type: 'message',
        callback_id: s.callbackId,
        description: s.description,
      })),
    );
  });

  it('sends events, commands, interactivity and options to /slack/events on one host', () => {
    const urls = [
      ...manifest.features.slash_commands.map((c) => c.url),
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      manifest.settings.interactivity.message_menu_options_url,
    ];
    expect(new Set(urls)).toEqual(new Set(['https://frontline.example.com/slack/events']));
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('subscribes to the events of the design and holds the scopes they need', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual([
      'app_home_opened',
      'app_mention',
      'message.channels',
    ]);
    // Exactly what the app's calls need, nothing more: chat.*, conversations.create/invite/open/history/replies,
    // usergroups.users.list, files.uploadV2, commands, mentions and the intake channel's messages.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        'app_mentions:read',
        'channels:history',
        'channels:manage',
        'chat:write',
        'chat:write.public',
        'commands',
        'files:write',
        'groups:history',
        'im:history',
        'im:write',
        'metadata.message:read',
        'usergroups:read',
      ].sort(),
    );
  });
});
