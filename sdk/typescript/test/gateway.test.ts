/**
 * The TypeScript SDK against the local stack: tests/sdk/test_typescript.py starts it (the
 * `stack` fixture) and runs `node --test` with GATEWAY_BASE_URL, GATEWAY_API_KEY and
 * GATEWAY_ADMIN_KEY pointing at it. Personalities run against an in-process fake `fetch`.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';

import OpenAI from 'openai';

import { Gateway, type Personality } from '../src/index.js';

const BASE = process.env['GATEWAY_BASE_URL']!;
const KEY = process.env['GATEWAY_API_KEY']!;
const ADMIN = process.env['GATEWAY_ADMIN_KEY']!;
const ROOT = BASE.replace(/\/v1$/, '');
const HELLO = [{ role: 'user' as const, content: 'Hello' }];

const gw = () => new Gateway({ adminKey: ADMIN });

async function closedPortURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}

async function advanceClock(seconds: number): Promise<void> {
  const r = await fetch(`${ROOT}/_local/clock`, { method: 'POST', body: JSON.stringify({ advance_s: seconds }) });
  assert.equal(r.status, 200);
}

async function startOfMinute(): Promise<void> {
  const now = ((await (await fetch(`${ROOT}/_local/clock`)).json()) as { now: number }).now;
  await advanceClock(60.5 - (now % 60));
}

test('the plain openai package works unchanged: chat, a naive stream loop, errors', async () => {
  const client = new OpenAI({ apiKey: KEY, baseURL: BASE, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 8 });
  assert.ok(r.choices[0]!.message.content);
  let text = '';
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: HELLO,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(text);
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: HELLO }),
    (e: unknown) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found',
  );
});

test('Gateway reads GATEWAY_* and is the openai surface, with costs in usage', async () => {
  const client = gw();
  assert.ok(client instanceof OpenAI);
  assert.equal(client.baseURL, BASE);
  const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 8 });
  assert.ok((r.usage as unknown as { total_cost_usd: number }).total_cost_usd > 0);
  const chunks = [];
  for await (const c of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, stream: true })) {
    chunks.push(c);
  }
  // A naive loop over choices[0] never meets an empty-choices chunk without include_usage.
  assert.ok(chunks.every((c) => c.choices.length === 1));
  assert.ok(chunks.some((c) => c.choices[0]!.delta.content));
  const legacy = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Say hi', max_tokens: 5 });
  assert.ok(legacy.choices[0]!.text);
});

test('appId is sent as X-App-ID and checked before sending', async () => {
  const sent: string[] = [];
  const spy: typeof fetch = (input, init) => {
    sent.push(new Headers(init?.headers).get('x-app-id') ?? '');
    return fetch(input, init);
  };
  const client = new Gateway({ appId: 'my-web-app', fetch: spy });
  await client.models.list();
  await client.withOptions({ appId: 'other-app' }).models.list();
  assert.deepEqual(sent, ['my-web-app', 'other-app']);
  assert.throws(() => new Gateway({ appId: '-bad' }), /appId/);
});

test('providers and the router', async () => {
  const client = gw();
  const providers = await client.providers.list({ model: 'gpt-4o-mini' });
  assert.equal(providers.providers[0]!.type, 'primary');
  const decision = await client.router.route({ messages: HELLO, cost_weight: 0.5 });
  assert.ok(decision.candidates.some((c) => c.model === decision.selected_model));
  const profiles = await client.router.profiles();
  assert.equal(profiles.num_clusters, profiles.data[0]!.cluster_error.length);
  const routed = await client.router.complete({ messages: HELLO, max_tokens: 8 });
  assert.ok(routed.router.selected_model && routed.choices[0]!.message.content);
  const chunks = [];
  for await (const c of await client.router.complete({ messages: HELLO, max_tokens: 8, stream: true })) chunks.push(c);
  assert.ok(chunks[0]!.router);
});

test('keys with the admin key, and a self-serve key without any key', async () => {
  const client = gw();
  const created = await client.keys.create({ label: 'ts-admin', rpm: 30 });
  assert.deepEqual(created.limits, { rpm: 30 });
  assert.ok((await client.keys.list({ limit: 100 })).data.some((k) => k.id === created.id));
  const changed = await client.keys.update(created.id, { rpm: null, label: 'renamed' });
  assert.equal(changed.label, 'renamed');
  assert.deepEqual(changed.limits, {});
  assert.ok((await client.keys.revoke(created.id)).deleted);
  await assert.rejects(
    new Gateway({ apiKey: created.key, adminKey: null }).keys.list(),
    (e: unknown) => e instanceof OpenAI.AuthenticationError || e instanceof OpenAI.PermissionDeniedError,
  );

  const anonymous = new Gateway({ apiKey: '', adminKey: null });
  const own = await anonymous.keys.create({ label: 'ts-self-serve' });
  assert.ok(own.key.startsWith('gw_live_'));
  await assert.rejects(anonymous.models.retrieve('gpt-4o-mini'), OpenAI.AuthenticationError);
});

test('wallet and report', async () => {
  const client = gw();
  const invoice = await client.wallet.fund({ amount: 1000 });
  assert.equal(invoice.status, 'pending');
  assert.equal((await client.wallet.status(invoice.invoiceId)).invoiceId, invoice.invoiceId);
  assert.ok((await client.wallet.balance()).freeRequestsTotal >= 0);
  await assert.rejects(client.wallet.status('inv_nobody'), OpenAI.NotFoundError);
  const report = await client.report();
  assert.equal(report.hourly.length, 24);
  const page = await client.report({ format: 'html' });
  assert.match(page, /^\s*<!doctype html/i);
  assert.equal((await client.report({ scope: 'all' })).scope, 'all');
});

test('429 is retried after its Retry-After (the stack clock moves, nothing sleeps)', async () => {
  const key = (await gw().keys.create({ label: 'ts-rpm-1', rpm: 1 })).key;
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    await advanceClock(ms / 1000);
  };
  const client = new Gateway({ apiKey: key, maxRetryWait: 60, sleep });
  await startOfMinute();
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 5 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 5 });
  assert.equal(waits.length, 1);
  assert.ok(waits[0]! >= 1000 && waits[0]! <= 60000);
  const impatient = new Gateway({ apiKey: key, maxRetryWait: 0.5, sleep });
  await assert.rejects(
    impatient.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 5 }),
    OpenAI.RateLimitError,
  );
  assert.equal(waits.length, 1);
});

test('fallbacks: an unreachable base URL, then a model the gateway cannot serve', async () => {
  const client = new Gateway({ baseURL: await closedPortURL(), fallbackBaseURLs: [BASE] });
  const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 5 });
  assert.ok(r.choices[0]!.message.content);
  assert.ok((await client.providers.list({ model: 'gpt-4o-mini' })).providers.length);
  await assert.rejects(new Gateway({ baseURL: await closedPortURL() }).models.list(), OpenAI.APIConnectionError);

  const models = new Gateway({ fallbackModels: ['gpt-4o-mini'] });
  const fell = await models.chat.completions.create({ model: 'no-such-model', messages: HELLO, max_tokens: 5 });
  assert.equal(fell.model, 'gpt-4o-mini');
});

test('personalities against an in-process fake (the endpoint is built apart: issue 14)', async () => {
  const items = new Map<string, Personality>([['concise', { id: 'concise', name: 'Concise', model: 'auto' }]]);
  const fake: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const id = url.pathname.replace(/^\/v1\/personalities\/?/, '');
    const method = init?.method ?? 'GET';
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (method === 'GET') return json(200, { object: 'list', data: [...items.values()] });
    if (new Headers(init?.headers).get('authorization') !== 'Bearer admin-fake') {
      return json(403, { error: { message: 'admin only', code: 'forbidden' } });
    }
    const body = init?.body ? (JSON.parse(String(init.body)) as Partial<Personality>) : {};
    if (method === 'POST') items.set(id, { id, object: 'personality', ...body });
    else if (!items.has(id)) return json(404, { error: { message: 'no such personality', code: 'not_found' } });
    else if (method === 'PATCH') items.set(id, { ...items.get(id)!, ...body });
    else {
      items.delete(id);
      return json(200, { id, object: 'personality', deleted: true });
    }
    return json(method === 'POST' ? 201 : 200, items.get(id));
  };
  const client = new Gateway({ baseURL: 'http://fake.test/v1', apiKey: 'user-fake', adminKey: 'admin-fake', fetch: fake });
  assert.equal((await client.personalities.list()).data[0]!.model, 'auto');
  const made = await client.personalities.create('pirate', { name: 'Pirate', system_prompt: 'Arr.', temperature: 0.9 });
  assert.equal(made.system_prompt, 'Arr.');
  assert.equal((await client.personalities.update('pirate', { temperature: null })).temperature, null);
  assert.ok((await client.personalities.delete('pirate')).deleted);
  await assert.rejects(client.personalities.delete('pirate'), OpenAI.NotFoundError);
  await assert.rejects(
    client.withOptions({ adminKey: null }).personalities.create('x', { name: 'X' }),
    OpenAI.PermissionDeniedError,
  );
});
