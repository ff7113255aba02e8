/**
 * `Gateway`: the official openai client (`OpenAI`), pointed at the gateway. Everything the
 * `openai` package offers (chat, completions, embeddings, images, audio, streaming, its
 * errors) is inherited unchanged. Added: `GATEWAY_*` settings, `X-App-ID`, the SDK's retries
 * and fallbacks (`fallback.ts`), and the gateway's own routes.
 */

import OpenAI, { type ClientOptions } from 'openai';
import type { APIPromise } from 'openai/core/api-promise';
import type { Stream } from 'openai/core/streaming';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';

import { type Fetch, type Policy, gatewayFetch } from './fallback.js';
import type * as T from './types.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000/v1';
/** What the gateway accepts in `X-App-ID` (else a 400 `invalid_app_id`). */
export const APP_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,63}$/;

export function checkAppId(appId: string): string {
  if (!APP_ID.test(appId)) {
    throw new Error(
      `appId ${JSON.stringify(appId)}: 1 to 64 letters, digits and . _ : @ / + -, starting with a letter or digit`,
    );
  }
  return appId;
}

export interface GatewayOptions extends Omit<ClientOptions, 'apiKey' | 'baseURL'> {
  /** Default: `GATEWAY_API_KEY` (never `OPENAI_API_KEY`). Without one only self-serve `keys.create()` works. */
  apiKey?: string | null;
  /** Default: `GATEWAY_BASE_URL`, else the local stack. */
  baseURL?: string | null;
  /** Sent as `X-App-ID` (Lunos's `appId`); `withOptions({ appId })` for another app. */
  appId?: string | null;
  /** Sent on the admin routes only. Default (when undefined): `GATEWAY_ADMIN_KEY`; null: none. */
  adminKey?: string | null;
  /** Tried in order after a connection error or a 5xx. */
  fallbackBaseURLs?: string[];
  /** Tried in order after a model error, or a 5xx from every base URL. */
  fallbackModels?: string[];
  /** 429/503 retries (the openai client's own retries are off). Default 2. */
  maxRetries?: number;
  /** Seconds: a longer `Retry-After` is not waited, the error is thrown. Default 30. */
  maxRetryWait?: number;
  /** How the SDK waits (tests move a clock instead). */
  sleep?: (ms: number) => Promise<void>;
}

type Messages = ChatCompletionMessageParam[];
type RequestOptions = Awaited<NonNullable<Parameters<OpenAI['get']>[1]>>;
type Admin = { admin?: boolean };

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env[name] || undefined : undefined;
}

export class Gateway extends OpenAI {
  readonly adminKey: string | null;
  readonly appId: string | null;
  private readonly gatewayOptions: GatewayOptions;

  constructor(options: GatewayOptions = {}) {
    const apiKey = options.apiKey !== undefined ? options.apiKey : (env('GATEWAY_API_KEY') ?? null);
    const baseURL = (options.baseURL ?? env('GATEWAY_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    const appId = options.appId ?? null;
    const headers: Record<string, string | null> = { ...(options.defaultHeaders as Record<string, string> | undefined) };
    if (appId !== null) headers['X-App-ID'] = checkAppId(appId);
    if (!apiKey) headers['Authorization'] = null; // no key: the request goes out unauthenticated
    const policy: Policy = {
      baseURLs: [baseURL, ...(options.fallbackBaseURLs ?? []).map((u) => u.replace(/\/+$/, ''))],
      models: options.fallbackModels ?? [],
      maxRetries: options.maxRetries ?? 2,
      maxRetryWait: options.maxRetryWait ?? 30,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
    const inner: Fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const { appId: _a, adminKey: _k, fallbackBaseURLs: _b, fallbackModels: _m, maxRetryWait: _w, sleep: _s, ...rest } =
      options;
    super({
      organization: null,
      project: null,
      adminAPIKey: null,
      ...rest,
      apiKey: apiKey || 'none',
      baseURL,
      defaultHeaders: headers,
      maxRetries: 0,
      fetch: gatewayFetch(policy, inner),
    });
    this.adminKey = options.adminKey !== undefined ? options.adminKey : (env('GATEWAY_ADMIN_KEY') ?? null);
    this.appId = appId;
    this.gatewayOptions = { ...options, apiKey, baseURL, adminKey: this.adminKey };
  }

  /** openai's `withOptions`, plus the SDK's own options (`appId`, `adminKey`, fallbacks, retries). */
  override withOptions(options: Partial<GatewayOptions>): this {
    const Self = this.constructor as new (o: GatewayOptions) => this;
    return new Self({ ...this.gatewayOptions, ...options });
  }

  protected override validateHeaders(): void {
    // Without a key the request goes out unauthenticated and the gateway answers: a self-serve
    // key creation succeeds, anything else is its 401, thrown as openai's AuthenticationError.
  }

  /** @internal */
  _call<R>(method: 'get' | 'post' | 'patch' | 'delete', path: string, opts: RequestOptions & Admin = {}): APIPromise<R> {
    const { admin, ...rest } = opts;
    const headers = admin && this.adminKey ? { Authorization: `Bearer ${this.adminKey}` } : undefined;
    return this[method]<R>(path, headers ? { ...rest, headers } : rest);
  }

  /** `GET /v1/providers`: who serves a model, primary then backups. */
  providers = {
    list: (params: { model?: string } = {}): APIPromise<T.ProviderList> =>
      this._call('get', '/providers', { query: params.model ? { model: params.model } : {} }),
  };

  /** `POST /v1/router` and `GET /v1/router/profiles`: semantic routing. */
  router = new Router(this);

  /** `/v1/keys`: self-serve creation; with the admin key, limits, listing, changes, revocation. */
  keys = {
    create: (params: { label?: string } & T.KeyLimits = {}): APIPromise<T.KeyCreated> =>
      this._call('post', '/keys', { body: params, admin: this.adminKey !== null }),
    list: (params: { limit?: number; cursor?: string } = {}): APIPromise<T.KeyList> =>
      this._call('get', '/keys', { query: params, admin: true }),
    /** A limit given as null is removed. `keyId` may be `jwt:<sub>`. */
    update: (
      keyId: string,
      params: { label?: string | null; status?: 'active' | 'revoked' } & T.KeyLimits,
    ): APIPromise<T.Key> => this._call('patch', `/keys/${encodeURIComponent(keyId)}`, { body: params, admin: true }),
    revoke: (keyId: string): APIPromise<T.KeyDeleted> =>
      this._call('delete', `/keys/${encodeURIComponent(keyId)}`, { admin: true }),
  };

  /** `/v1/wallet`: fund with a Lightning invoice, poll it, read the balance. */
  wallet = {
    /** An invoice for `amount` satoshis: pay `paymentRequest`, then poll `status`. */
    fund: (params: { amount: number }): APIPromise<T.Invoice> => this._call('post', '/wallet/fund', { body: params }),
    /** Polling a paid invoice credits the balance, exactly once. */
    status: (invoiceId: string): APIPromise<T.Invoice> =>
      this._call('get', '/wallet/status', { query: { invoiceId } }),
    balance: (): APIPromise<T.Balance> => this._call('get', '/wallet/balance'),
  };

  /** `/v1/personalities`: listing for any key; create, update, delete with the admin key. */
  personalities = {
    list: (): APIPromise<T.PersonalityList> => this._call('get', '/personalities'),
    create: (id: string, params: T.PersonalityFields): APIPromise<T.Personality> =>
      this._call('post', `/personalities/${encodeURIComponent(id)}`, { body: params, admin: true }),
    update: (id: string, params: T.PersonalityFields): APIPromise<T.Personality> =>
      this._call('patch', `/personalities/${encodeURIComponent(id)}`, { body: params, admin: true }),
    delete: (id: string): APIPromise<T.PersonalityDeleted> =>
      this._call('delete', `/personalities/${encodeURIComponent(id)}`, { admin: true }),
  };

  /** `GET /v1/report`: the 24 h spend report, JSON or (`format: 'html'`) the page. `key`/`scope: 'all'`: admin only. */
  report(params?: { format?: 'json'; key?: string; scope?: 'key' | 'all' }): APIPromise<T.Report>;
  report(params: { format: 'html'; key?: string; scope?: 'key' | 'all' }): APIPromise<string>;
  report(params: { format?: 'json' | 'html'; key?: string; scope?: 'key' | 'all' } = {}): APIPromise<T.Report | string> {
    const query = { format: params.format ?? 'json', ...(params.key ? { key: params.key } : {}), ...(params.scope ? { scope: params.scope } : {}) };
    return this._call('get', '/report', { query, admin: Boolean(params.key || params.scope) });
  }
}

export interface RouteParams {
  messages: Messages;
  /** Catalog models to choose among (at least two). */
  models?: string[];
  /** Penalty per unit of normalised cost; 0 ignores cost. */
  cost_weight?: number;
}

export interface ExecuteParams extends RouteParams {
  max_tokens?: number;
  temperature?: number;
  stream?: boolean;
}

/** A routed completion: the decision rides on `router` (on the first chunk when streaming). */
export type RoutedCompletion = ChatCompletion & { router: T.RouterDecision };
export type RoutedChunk = ChatCompletionChunk & { router?: T.RouterDecision };

export class Router {
  constructor(private readonly client: Gateway) {}

  /** The model the router would choose, and why (`execute: false`: nothing is billed). */
  route(params: RouteParams): APIPromise<T.RouterDecision> {
    return this.client._call('post', '/router', { body: { ...params, execute: false } });
  }

  /** Route and run the completion. */
  complete(params: ExecuteParams & { stream?: false }): APIPromise<RoutedCompletion>;
  complete(params: ExecuteParams & { stream: true }): APIPromise<Stream<RoutedChunk>>;
  complete(params: ExecuteParams): APIPromise<RoutedCompletion | Stream<RoutedChunk>> {
    const stream = params.stream ?? false;
    return this.client._call('post', '/router', { body: { ...params, execute: true, stream }, stream });
  }

  profiles(): APIPromise<T.RoutingProfiles> {
    return this.client._call('get', '/router/profiles');
  }
}
