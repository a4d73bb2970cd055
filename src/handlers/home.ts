import type { App } from '@slack/bolt';
import type { Deps } from '../deps.js';
import { refreshHome } from '../services/home.js';

/** App Home: rendered for the viewer each time they open the Home tab. */
export function registerHome(app: App, deps: Deps) {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await refreshHome(deps, event.user);
  });
}
