import type { KeySource } from '@latchkey/core';

/** The verifier's internal functions a step calls (token.ts, claims.ts, options.ts of @latchkey/core). */
export interface CoreInternals {
  readonly resolveOptions: (options: never) => { readonly maxTokenBytes: number; readonly claims: unknown };
  readonly splitCompact: (token: string, maxTokenBytes: number) => { readonly token: string; readonly headerEnd: number; readonly payloadEnd: number };
  readonly payloadSegmentOf: (parts: never) => string;
  readonly decodeJsonObject: (segment: string, what: string) => Record<string, unknown>;
  readonly decodeSegment: (segment: string, what: string) => Uint8Array;
  readonly signingInputOf: (parts: never) => Uint8Array;
  readonly checkClaims: (payload: never, policy: never, nowSeconds: number) => void;
}

export interface StepsInput {
  readonly alg: string;
  /** Distinct valid tokens of `alg`, all with one header. */
  readonly tokens: readonly string[];
  /** Warmed: its getKeys answers synchronously. */
  readonly keys: KeySource;
  readonly issuer: string;
  readonly audience: string;
  readonly nowSeconds: number;
}

export interface Step {
  readonly name: string;
  readonly what: string;
  readonly run: (index: number) => unknown;
}

export declare const STEP_DESCRIPTIONS: Readonly<Record<string, string>>;

export declare function stepsOf(core: CoreInternals, input: StepsInput): Step[];

export interface Breakdown {
  /** Instructions per token of each step (less the loop). */
  readonly steps: Record<string, number>;
  /** The whole verification above the floor less the summed steps (`json` is inside `payload`). */
  readonly rest: number;
}

export declare function breakdownOf(rounds: Record<string, readonly number[]>, perRegion: number, aboveFloor: number): Breakdown;

export declare function stepLabel(alg: string, name: string, round: number): string;

export declare function stepRounds(counts: Readonly<Record<string, { readonly instructions: number }>>, alg: string): Record<string, number[]>;
