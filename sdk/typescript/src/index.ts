/**
 * TypeScript client for the LLM gateway. `Gateway` is the official `OpenAI` client configured
 * for the gateway, with its own routes added: `providers`, `router`, `keys`, `wallet`,
 * `report()` and `personalities`. Errors are the `openai` package's error classes.
 */

export { APP_ID, DEFAULT_BASE_URL, Gateway, Router, checkAppId } from './client.js';
export type { ExecuteParams, GatewayOptions, RouteParams, RoutedChunk, RoutedCompletion } from './client.js';
export { gatewayFetch, isModelError, retryWait } from './fallback.js';
export type { Fetch, Policy } from './fallback.js';
export type * from './types.js';
export { default as OpenAI } from 'openai';
