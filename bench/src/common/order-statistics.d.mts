export declare function median(values: readonly number[]): number;
export declare function quartiles(values: readonly number[]): [number, number];
