import type { Billing } from './billing.js';
import type { FakeEnv } from './env.js';
import type { Params } from './params.js';
import type { JsonObject } from './types.js';

/** One API request as a handler sees it. */
export interface ApiCall {
  /** Query parameters for GET and DELETE, the form body for POST. */
  params: Params;
  /** The `:name` parts of the route's path. */
  args: Record<string, string>;
  env: FakeEnv;
  billing: Billing;
  /** When the request happens, in unix seconds. */
  at: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Answers the response body (already rendered); throws `StripeFakeError` for Stripe's error answers. */
  handler: (call: ApiCall) => JsonObject;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map((route) => {
      const names: string[] = [];
      const pattern = route.path.replace(/:([a-z_]+)/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { ...route, regex: new RegExp(`^${pattern}$`), names };
    });
  }

  match(method: string, path: string): { route: Route; args: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.regex.exec(path);
      if (!match) continue;
      const args: Record<string, string> = {};
      route.names.forEach((name, index) => {
        args[name] = decodeURIComponent(match[index + 1] ?? '');
      });
      return { route, args };
    }
    return null;
  }

  /** Whether any method is served at `path` (to tell a wrong method from an unknown URL). */
  knows(path: string): boolean {
    return this.routes.some((route) => route.regex.test(path));
  }
}

export function arg(call: ApiCall, name: string): string {
  return call.args[name] ?? '';
}
