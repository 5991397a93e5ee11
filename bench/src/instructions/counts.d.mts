export interface Counts {
  readonly instructions: number;
  readonly instructionMisses: number | undefined;
  readonly dataMisses: number | undefined;
}
export interface MissPair {
  readonly floor: number;
  readonly aboveFloor: number;
}
export declare function countsOf(text: string): Counts;
export declare function l1MissesOf(
  floorRounds: readonly Counts[],
  latchkeyRounds: readonly Counts[],
  perRegion: number,
): { instruction: MissPair; data: MissPair };
