/**
 * Responses of the gateway's own routes (everything else is the `openai` package's types).
 * The same shapes as the Python SDK's `llm_gateway.types`, which a test checks against the
 * gateway's pydantic schemas.
 */

export interface Pricing {
  /** USD per input token. */
  input: number | null;
  /** USD per output token. */
  output: number | null;
  cached_input: number | null;
  unit: string;
  currency: string;
  /** The same prices per million tokens, as the catalog states them. */
  per_million: Record<string, number>;
}

export interface Provider {
  id: string;
  /** `primary` or `backup`. */
  type: string;
  enabled: boolean;
  cooling_down: boolean;
  cooldown_until: string | null;
  params: { model: string; accepted_params: string[]; pricing: Pricing };
}

export interface ProviderList {
  model: string;
  providers: Provider[];
}

export interface RouterCandidate {
  model: string;
  profile: string;
  predicted_error: number;
  cost_usd: number;
  normalized_cost: number;
  /** predicted_error + cost_weight x normalized_cost: the lowest wins. */
  score: number;
}

export interface RouterDecision {
  object: 'router.decision';
  selected_model: string;
  /** `uniroute` or `tier`. */
  method: string;
  reason: string;
  tier: string | null;
  cost_weight: number;
  candidates: RouterCandidate[];
  cluster_weights: number[];
  /** Refined cluster (by index) -> the prompt's weight on each of its sub-clusters; empty without a refinement. */
  subcluster_weights: Record<string, number[]>;
}

export interface RoutingProfile {
  profile: string;
  model: string | null;
  status: string | null;
  servable: boolean;
  not_servable_because: string | null;
  source: string | null;
  validation_size: number | null;
  date: string | null;
  mean_cost_usd: number | null;
  cluster_error: number[];
  /** Refined cluster -> this model's error in each of its sub-clusters, where it was counted in them. */
  subcluster_error: Record<string, number[]>;
}

export interface RoutingProfiles {
  object: 'list';
  embedding: string;
  num_clusters: number;
  assignment: string;
  /** Refined cluster -> its number of sub-clusters. */
  subclusters: Record<string, number>;
  data: RoutingProfile[];
}

export interface KeyLimits {
  daily_budget_usd?: number | null;
  rpm?: number | null;
  tpm?: number | null;
  free_requests?: number | null;
  max_concurrent?: number | null;
  default_cost_weight?: number | null;
}

/** A key as the gateway shows it: never the key itself or its hash. */
export interface Key {
  id: string;
  label?: string | null;
  prefix: string;
  kind: string;
  status: string;
  limits: Record<string, number>;
  created_at?: string | null;
  spend_today_usd?: number | null;
  requests_today?: number | null;
  free_requests_used?: number | null;
  /** The key's free requests in all (its `free_requests` limit, else the gateway's default). */
  free_requests_allowance?: number | null;
  free_requests_remaining?: number | null;
  /** What the free requests cover: catalog tiers or model ids (`["*"]`: every model). */
  free_tier_models?: string[] | null;
}

export interface KeyCreated extends Key {
  /** The plain key. Shown once: the gateway keeps only its hash. */
  key: string;
}

export interface KeyList {
  object: 'list';
  data: Key[];
  next_cursor: string | null;
}

export interface KeyDeleted {
  id: string;
  object: 'key';
  deleted: boolean;
  status: string;
}

export interface Invoice {
  invoiceId: string;
  /** `pending` until paid, then `credited`. */
  status: string;
  /** Satoshis. */
  amount: number;
  amountUsd: number;
  /** The BOLT11 invoice to pay. */
  paymentRequest?: string | null;
  lightningUrl?: string | null;
  invoiceUrl?: string | null;
  backend: string;
  balanceUsd?: number | null;
}

export interface Balance {
  balanceUsd: number;
  /** Balance minus the holds of requests in flight. */
  availableUsd: number;
  freeRequestsUsed: number;
  freeRequestsTotal: number;
  satsUsdRate: number;
}

export interface Spend {
  spendUsd: number;
  requests: number;
  tokens: number;
  /** Images generated (present where any were). */
  images?: number;
  /** Seconds of audio transcribed (present where any were). */
  audioSeconds?: number;
}

export interface Report {
  period: string;
  /** `key` (one key's) or `all` (the gateway's, for the admin key). */
  scope: string;
  keyId: string | null;
  generatedAt: string;
  windowStart: string;
  windowEnd: string;
  totalSpendUsd: number;
  requestCount: number;
  averageCostUsd: number;
  totalTokens: number;
  perModel: Record<string, Spend>;
  perProvider: Record<string, Spend>;
  perApp: Record<string, Spend>;
  hourly: Array<Spend & { hour: string; perModel: Record<string, number> }>;
}

/** A named preset: a system prompt plus defaults (issue 14's `/v1/personalities`). */
export interface Personality {
  id: string;
  object?: 'personality';
  name?: string | null;
  description?: string | null;
  /** The default model (or `auto`). */
  model?: string | null;
  tier?: string | null;
  system_prompt?: string | null;
  temperature?: number | null;
  max_tokens?: number | null;
  tools_allowed?: boolean | null;
  /** `catalog` (shipped with the gateway) or `custom` (an admin's). */
  source?: 'catalog' | 'custom';
}

export type PersonalityFields = Omit<Personality, 'id' | 'object' | 'source'>;

export interface PersonalityList {
  object: 'list';
  data: Personality[];
}

export interface PersonalityDeleted {
  id: string;
  object: 'personality';
  deleted: boolean;
}
