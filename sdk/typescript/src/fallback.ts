/**
 * The fetch under the openai client: the SDK's retries and fallbacks for every request.
 *
 * - 429 and 503 are retried after their `Retry-After` (`retry-after-ms` first, then the body's
 *   `error.retry_after`, else a short backoff), at most `maxRetries` times and only when the
 *   wait is at most `maxRetryWait` seconds. `budget_exceeded` is never retried.
 * - A connection error or a 5xx: the next base URL. A 5xx from every base URL, or a model
 *   error (404 `model_not_found`, another 4xx naming `model`): the next fallback model.
 * - A 2xx is handed on unread (streams stream); a request the gateway may have started (a
 *   timeout, a stream cut half way) is never sent again.
 */

export type Fetch = typeof globalThis.fetch;

export interface Policy {
  /** The primary base URL first, each without a trailing slash. */
  baseURLs: string[];
  /** Fallback models, in order, after the request's own. */
  models: string[];
  maxRetries: number;
  /** Seconds. */
  maxRetryWait: number;
  sleep: (ms: number) => Promise<void>;
}

const NO_RETRY_CODES = new Set(['budget_exceeded']);
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const BACKOFF_S = 0.5;

interface ErrorBody {
  code?: unknown;
  param?: unknown;
  retry_after?: unknown;
}

function errorOf(text: string): ErrorBody {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return body && typeof body.error === 'object' && body.error !== null ? (body.error as ErrorBody) : {};
  } catch {
    return {};
  }
}

export function retryWait(policy: Policy, status: number, headers: Headers, text: string, done: number): number | null {
  if ((status !== 429 && status !== 503) || done >= policy.maxRetries) return null;
  const error = errorOf(text);
  if (typeof error.code === 'string' && NO_RETRY_CODES.has(error.code)) return null;
  let wait: number | null = null;
  for (const [header, scale] of [['retry-after-ms', 1000], ['retry-after', 1]] as const) {
    const value = headers.get(header);
    if (value !== null && !Number.isNaN(Number(value))) {
      wait = Number(value) / scale;
      break;
    }
  }
  if (wait === null && typeof error.retry_after === 'number') wait = error.retry_after;
  if (wait === null) wait = BACKOFF_S * 2 ** done;
  return wait <= policy.maxRetryWait ? Math.max(wait, 0) : null;
}

export function isModelError(status: number, text: string): boolean {
  if ([401, 402, 403, 413, 429].includes(status) || status < 400 || status >= 500) return false;
  const error = errorOf(text);
  return error.code === 'model_not_found' || error.param === 'model';
}

function isUnreachable(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } })?.cause;
  if (!cause) return false;
  if (cause.code && CONNECT_CODES.has(cause.code)) return true;
  return (cause.errors ?? []).some((e) => e.code !== undefined && CONNECT_CODES.has(e.code));
}

function withModel(body: BodyInit | null | undefined, model: string): string | null {
  if (typeof body !== 'string') return null;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (!parsed || typeof parsed !== 'object' || typeof (parsed as { model?: unknown }).model !== 'string') {
      return null;
    }
    return JSON.stringify({ ...(parsed as object), model });
  } catch {
    return null;
  }
}

/** An answer read to decide on it, handed on as a fresh, readable Response. */
function reread(response: Response, text: string): Response {
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function gatewayFetch(policy: Policy, inner: Fetch): Fetch {
  const primary = policy.baseURLs[0]!;

  async function send(url: string, init: RequestInit | undefined): Promise<Response> {
    for (let done = 0; ; done++) {
      const response = await inner(url, init);
      if (response.status < 400) return response;
      const text = await response.text();
      const wait = retryWait(policy, response.status, response.headers, text, done);
      if (wait === null) return reread(response, text);
      await policy.sleep(wait * 1000);
    }
  }

  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const bodies: Array<BodyInit | null | undefined> = [init?.body];
    for (const model of policy.models) {
      const body = withModel(init?.body, model);
      if (body === null) break;
      bodies.push(body);
    }
    let kept: Response | undefined;
    let failure: unknown;
    for (const [n, body] of bodies.entries()) {
      let reached = false;
      for (const base of policy.baseURLs) {
        const target = url.startsWith(primary) ? base + url.slice(primary.length) : url;
        let response: Response;
        try {
          response = await send(target, { ...init, body });
        } catch (err) {
          if (!isUnreachable(err)) throw err;
          failure = err;
          continue;
        }
        reached = true;
        kept = response;
        const modelError =
          response.status >= 400 && response.status < 500 && isModelError(response.status, await response.clone().text());
        if (response.status < 400 || (response.status < 500 && !(modelError && n + 1 < bodies.length))) {
          return response;
        }
        if (response.status < 500) break; // a model error: the next model, from the first base URL
      }
      if (!reached) break; // no base URL answered: another model would not be reached either
    }
    if (kept) return kept;
    throw failure;
  };
}
