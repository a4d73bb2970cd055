import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Hono, type MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ROLE_LABELS, ROLE_NAMES } from '../domain/roles.js';
import type { Feature } from '../features.js';
import { clearDatabase, knownDemoProblem, seedDatabaseDemo } from './demo/database-demo.js';
import { welcomeText } from './demo/welcome.js';
import { applyInputs } from './fakes/slack/view-state.js';
import type { SlackFakeChange, SlackMessage } from './fakes/slack-fake.js';
import { type ElementInput, InputError } from './fakes/slack-fake.js';
import { type SandboxIntegrations, seedSlackSandbox } from './integrations.js';
import { SANDBOX_PEOPLE } from './people.js';
import { SlackDriver } from './slack-driver.js';

/**
 * The sandbox page at `/sandbox`: a small Slack-like client for the local Slack fake. The browser reads what a
 * person sees (channels, threads, ephemerals, modals, App Home) as one snapshot, hears about changes over
 * server-sent events, and everything the person does goes to the app's own `POST /slack/events` through the
 * {@link SlackDriver}, signed and shaped as Slack sends it. Registered only when Slack runs as the local sandbox.
 */

export interface SandboxPage {
  feature: Feature;
  /** Points the driver at the running server once it listens. */
  attach(appUrl: string): void;
  /** Seeds the database demo on a fresh database. */
  seed(deps: Deps): Promise<void>;
  /** Ends the live-update streams (so shutdown does not wait for open pages). */
  close(): void;
}

const WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url));

const user = z.string().regex(/^[UW][A-Z0-9]+$/);
const ts = z.string().regex(/^\d+\.\d+$/);
const channel = z.string().regex(/^[CGD][A-Z0-9]+$/);
const source = z.object({
  user,
  channel: channel.optional(),
  messageTs: ts.optional(),
  viewId: z.string().min(1).optional(),
});
const elementInput: z.ZodType<unknown> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string()),
  z.object({ text: z.string().optional(), value: z.string() }),
  z.array(z.object({ text: z.string().optional(), value: z.string() })),
]);

const schemas = {
  compose: z.object({
    user,
    channel,
    text: z.string().min(1).max(40_000),
    threadTs: ts.optional(),
  }),
  interact: source.extend({
    actionId: z.string().min(1),
    blockId: z.string().optional(),
    input: elementInput.optional(),
    /** A modal's inputs as the person has them now (Slack sends the current state with every action). */
    values: z.record(z.string(), elementInput).optional(),
  }),
  suggest: source.extend({ actionId: z.string().min(1), blockId: z.string().optional(), value: z.string() }),
  submit: z.object({ user, viewId: z.string().min(1), values: z.record(z.string(), elementInput) }),
  close: z.object({ user, viewId: z.string().min(1) }),
  shortcut: z.object({ user, channel, messageTs: ts, callbackId: z.string().min(1) }),
  home: z.object({ user }),
};

interface SlashCommand {
  command: string;
  description: string;
  usageHint: string;
}
interface Shortcut {
  name: string;
  callbackId: string;
  type: string;
}

/** Slash commands and shortcuts as the Slack app manifest declares them (what Slack itself would offer). */
function readManifest(): { commands: SlashCommand[]; shortcuts: Shortcut[] } {
  try {
    const manifest = parseYaml(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      features?: {
        slash_commands?: Array<{ command: string; description?: string; usage_hint?: string }>;
        shortcuts?: Array<{ name: string; callback_id: string; type: string }>;
      };
    };
    return {
      commands: (manifest.features?.slash_commands ?? []).map((c) => ({
        command: c.command,
        description: c.description ?? '',
        usageHint: c.usage_hint ?? '',
      })),
      shortcuts: (manifest.features?.shortcuts ?? []).map((s) => ({
        name: s.name,
        callbackId: s.callback_id,
        type: s.type,
      })),
    };
  } catch {
    return { commands: [], shortcuts: [] };
  }
}

/**
 * Which requests may reach the sandbox. Everything it serves answers to its own page only: the Host must be an
 * address (loopback or another IP), `localhost` or the host of `PUBLIC_URL`, so a web page cannot reach it under a
 * domain name of its own that resolves to this machine; and a POST must carry JSON (which a page elsewhere can only
 * send after a CORS check this server never grants) from no origin or this same host.
 */
export function refuseForeignRequest(
  request: {
    method: string;
    host: string | undefined;
    origin: string | undefined;
    contentType: string | undefined;
  },
  publicUrl: string,
): { status: 403 | 415; error: string } | undefined {
  const hostname = hostnameOf(request.host);
  const allowed =
    hostname !== undefined &&
    (hostname === 'localhost' ||
      isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 ||
      hostname === hostnameOf(new URL(publicUrl).host));
  if (!allowed)
    return { status: 403, error: 'the sandbox answers only on an IP address, localhost or PUBLIC_URL' };
  if (request.method !== 'POST') return undefined;
  if (request.origin !== undefined && hostOf(request.origin) !== request.host?.toLowerCase())
    return { status: 403, error: 'cross-origin requests to the sandbox are refused' };
  const type = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, error: 'the sandbox takes application/json only' };
  return undefined;
}

function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export function createSandboxPage(
  sandbox: SandboxIntegrations,
  settings: Deps['settings'],
  { publicUrl }: { publicUrl: string },
): SandboxPage {
  const slack = sandbox.slack;
  if (!slack) throw new Error('the sandbox page needs the local Slack fake');
  const fake = slack.fake;
  let appUrl: string | undefined;
  let driver: SlackDriver | undefined;
  const newDriver = () =>
    new SlackDriver({ appUrl: appUrl ?? '', signingSecret: slack.signingSecret, fake, timeoutMs: 10_000 });
  const requireDriver = () => {
    if (!driver) throw new Error('the sandbox is not listening yet');
    return driver;
  };
  const manifest = readManifest();
  const configured = [
    ...settings.channels.intake,
    settings.channels.incidents,
    settings.channels.approvals,
    settings.channels.product,
    settings.channels.marketing,
  ];
  /** Channels the app created (an incident's own channel, say), shown after the configured ones. */
  const created = new Set<string>();
  const streams = new Set<() => void>();
  let version = 0;
  fake.events.on('change', (change: SlackFakeChange) => {
    version += 1;
    if (change.kind === 'channel_created' && !change.channel.is_im && !change.channel.is_mpim)
      created.add(change.channel.id);
    if (change.kind === 'reset') created.clear();
  });
  let bundle: Promise<string> | undefined;
  const clientBundle = () => {
    bundle ??= buildClient().catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
    return bundle;
  };

  function snapshot(person: string) {
    const dm = fake.dmChannel(person);
    const channelIds = [...new Set([...configured, ...created])];
    const channels = channelIds.map((id) => {
      const info = fake.channel(id);
      return { id, name: info?.name ?? id, kind: 'channel' as const };
    });
    const messages: Record<string, SlackMessage[]> = {};
    for (const id of [...channelIds, dm]) {
      const all: SlackMessage[] = [];
      for (const message of fake.messages(id)) {
        if ((message.reply_count ?? 0) > 0) all.push(...fake.thread(id, message.ts));
        else all.push(message);
      }
      messages[id] = all;
    }
    const views = fake.openViews(person).map((view) => ({ view, errors: fake.viewErrors(view.id) }));
    return {
      version,
      me: person,
      bot: { id: fake.botUserId, name: 'Frontline' },
      // Roles as the running settings hold them (a settings file may give a sandbox person more than one).
      people: SANDBOX_PEOPLE.map((p) => ({
        ...p,
        roleLabel: rolesOf(p.id).join(', ') || ROLE_LABELS[p.role],
      })),
      channels,
      dm: { id: dm, name: 'Frontline' },
      messages,
      ephemerals: fake.ephemerals(person),
      views,
      home: fake.home(person) ?? null,
      commands: manifest.commands,
      shortcuts: manifest.shortcuts.filter((s) => s.type === 'message'),
      statusUrl: '/status',
    };
  }

  function rolesOf(id: string): string[] {
    return ROLE_NAMES.filter((role) => settings.roles[role].users.includes(id)).map(
      (role) => ROLE_LABELS[role],
    );
  }

  /** What the person typed, with `@name` and `#channel` turned into Slack's mention syntax. */
  function encodeMentions(text: string): { text: string; mentionsBot: boolean } {
    let mentionsBot = false;
    const encoded = text
      .replace(/@([a-z][\w.-]*)/gi, (whole, name: string) => {
        const lower = name.toLowerCase();
        if (lower === 'frontline') {
          mentionsBot = true;
          return `<@${fake.botUserId}>`;
        }
        const person = SANDBOX_PEOPLE.find((p) => p.name === lower);
        return person ? `<@${person.id}>` : whole;
      })
      .replace(/(^|\s)#([a-z0-9][\w-]*)/g, (whole, space: string, name: string) => {
        const info = fake.channel(name);
        return info ? `${space}<#${info.id}|${info.name}>` : whole;
      });
    return { text: encoded, mentionsBot: mentionsBot || encoded.includes(`<@${fake.botUserId}>`) };
  }

  const routes = new Hono();
  const guard: MiddlewareHandler = async (c, next) => {
    const refused = refuseForeignRequest(
      {
        method: c.req.method,
        host: c.req.header('host'),
        origin: c.req.header('origin'),
        contentType: c.req.header('content-type'),
      },
      publicUrl,
    );
    if (refused) return c.json({ error: refused.error }, refused.status);
    await next();
  };
  // Sub-app middleware on '*' would run for every route of the server; the sandbox's paths only.
  routes.use('/sandbox', guard);
  routes.use('/sandbox/*', guard);
  routes.get('/sandbox', (c) => c.html(readFileSync(`${WEB_DIR}index.html`, 'utf8')));
  routes.get('/sandbox/', (c) => c.redirect('/sandbox'));
  routes.get('/sandbox/app.js', async (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8');
    c.header('cache-control', 'no-cache');
    return c.body(await clientBundle());
  });
  routes.get('/sandbox/styles.css', (c) => {
    c.header('content-type', 'text/css; charset=utf-8');
    c.header('cache-control', 'no-cache');
    return c.body(readFileSync(`${WEB_DIR}styles.css`, 'utf8'));
  });

  routes.get('/sandbox/api/state', (c) => {
    const person = user.safeParse(c.req.query('user') || SANDBOX_PEOPLE[0]?.id);
    if (!person.success) return c.json({ error: 'unknown user' }, 400);
    return c.json(snapshot(person.data));
  });

  routes.get('/sandbox/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let pending: NodeJS.Timeout | undefined;
      const onChange = (change: SlackFakeChange) => {
        pending ??= setTimeout(() => {
          pending = undefined;
          void stream.writeSSE({ event: 'change', data: JSON.stringify({ version, kind: change.kind }) });
        }, 30);
      };
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      streams.add(finish);
      stream.onAbort(finish);
      fake.events.on('change', onChange);
      const keepAlive = setInterval(() => void stream.writeSSE({ event: 'ping', data: '' }), 15_000);
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ version }) });
      await done;
      clearInterval(keepAlive);
      if (pending) clearTimeout(pending);
      fake.events.off('change', onChange);
      streams.delete(finish);
    }),
  );

  routes.post('/sandbox/api/compose', async (c) => {
    const input = schemas.compose.parse(await c.req.json());
    const d = requireDriver();
    const trimmed = input.text.trim();
    const command = /^(\/[a-z][\w-]*)(?:\s+([\s\S]*))?$/i.exec(trimmed);
    if (command && !input.threadTs) {
      const name = command[1] as string;
      // Slack itself refuses commands no installed app declares, before any request is made.
      if (manifest.commands.length > 0 && !manifest.commands.some((known) => known.command === name)) {
        return c.json({
          status: 0,
          notice: `${name} is not a valid command. Frontline's commands: ${manifest.commands.map((known) => known.command).join(', ')}.`,
        });
      }
      const answer = await d.command({
        user: input.user,
        channel: input.channel,
        command: name,
        text: command[2] ?? '',
      });
      // Slack shows a command's immediate answer to the person only, as its response_url would.
      if (answer.status === 200 && answer.text.trim() !== '' && answer.responseUrl) {
        const body = typeof answer.body === 'object' ? answer.body : { text: answer.text };
        await fetch(answer.responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).catch(() => undefined);
      }
      return c.json({
        status: answer.status,
        elapsedMs: Math.round(answer.elapsedMs),
        ...(answer.status === 200
          ? {}
          : { notice: `${name} failed: the app answered HTTP ${answer.status}` }),
      });
    }
    const encoded = encodeMentions(input.text);
    const base = {
      user: input.user,
      channel: input.channel,
      text: encoded.text,
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
    };
    const answer = encoded.mentionsBot
      ? await d.appMention({ ...base, alsoMessageEvent: true })
      : await d.message(base);
    return c.json({ status: answer.status, ts: answer.message.ts });
  });

  routes.post('/sandbox/api/interact', async (c) => {
    const { values, ...input } = schemas.interact.parse(await c.req.json());
    const view = input.viewId ? fake.view(input.viewId) : undefined;
    if (view && values && Object.keys(values).length > 0)
      fake.setViewState(view.id, applyInputs(view.blocks, view.state.values, values as never));
    const { input: value, ...where } = input;
    const answer = await requireDriver().interact({
      ...where,
      ...(value === undefined ? {} : { input: value as ElementInput }),
    });
    return c.json({ status: answer.status, elapsedMs: Math.round(answer.elapsedMs) });
  });

  routes.post('/sandbox/api/suggest', async (c) => {
    const input = schemas.suggest.parse(await c.req.json());
    const answer = await requireDriver().suggestion(input);
    return c.json({
      status: answer.status,
      options: answer.options ?? [],
      optionGroups: answer.optionGroups,
    });
  });

  routes.post('/sandbox/api/submit', async (c) => {
    const input = schemas.submit.parse(await c.req.json());
    const answer = await requireDriver().submitView({
      user: input.user,
      viewId: input.viewId,
      values: input.values as never,
    });
    const outcome = answer.outcome;
    return c.json({
      status: answer.status,
      clientErrors: answer.clientErrors ?? null,
      action: outcome?.action ?? null,
      ...(outcome?.action === 'rejected'
        ? { notice: `Slack would refuse the app's answer: ${outcome.reason}` }
        : {}),
      ...(answer.status !== 0 && answer.status !== 200
        ? { notice: `The app answered HTTP ${answer.status}` }
        : {}),
    });
  });

  routes.post('/sandbox/api/close', async (c) => {
    const input = schemas.close.parse(await c.req.json());
    await requireDriver().closeView(input);
    return c.json({ ok: true });
  });

  routes.post('/sandbox/api/shortcut', async (c) => {
    const input = schemas.shortcut.parse(await c.req.json());
    const answer = await requireDriver().messageShortcut({ ...input, message: input.messageTs });
    return c.json({ status: answer.status });
  });

  routes.post('/sandbox/api/home', async (c) => {
    const input = schemas.home.parse(await c.req.json());
    const answer = await requireDriver().appHomeOpened(input.user);
    return c.json({ status: answer.status });
  });

  let seedDeps: Deps | undefined;
  routes.post('/sandbox/api/reset', async (c) => {
    if (!seedDeps) return c.json({ error: 'not ready' }, 503);
    await resetDemo(seedDeps);
    return c.json({ ok: true });
  });

  routes.onError((error, c) => {
    if (error instanceof z.ZodError) return c.json({ error: 'invalid request', issues: error.issues }, 400);
    if (
      error instanceof InputError ||
      (error instanceof Error && /^(no |view .* is not)/.test(error.message))
    )
      return c.json({ error: error.message }, 400);
    throw error;
  });

  async function resetDemo(deps: Deps) {
    fake.reset();
    seedSlackSandbox(fake, settings);
    // The Stripe fake restores the state it was seeded with (the demo customers).
    sandbox.stripe?.fake.reset();
    sandbox.jira?.fake.reset();
    // Ids start again at 1, so a job still waiting would act on a new row of the same id: drop the waiting jobs
    // before the rows go, and again after, for any a job running meanwhile enqueued.
    await deps.jobs.purgePending();
    await clearDatabase(deps.db);
    await deps.jobs.purgePending();
    await seedDatabaseDemo(deps);
    await welcome(deps);
    driver = newDriver();
  }

  async function welcome(deps: Deps) {
    const intake = settings.channels.intake[0];
    if (!intake) return;
    const text = welcomeText(await knownDemoProblem(deps.db));
    fake.postAsUser({
      channel: intake,
      user: 'USLACKBOT',
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    });
  }

  return {
    feature: { name: 'local sandbox page', routes: () => routes },
    attach(url) {
      // Slack's requests come from this process: use the loopback address whatever interface the server binds.
      appUrl = url.replace('//localhost:', '//127.0.0.1:');
      driver = newDriver();
      void clientBundle().catch(() => undefined);
    },
    async seed(deps) {
      seedDeps = deps;
      await seedDatabaseDemo(deps);
      await welcome(deps);
    },
    close() {
      for (const finish of [...streams]) finish();
    },
  };
}

/** Bundles the browser client (TypeScript under `web/`) once, at start-up. */
async function buildClient(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${WEB_DIR}main.ts`],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}
