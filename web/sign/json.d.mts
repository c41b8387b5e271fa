/** `JSON.parse`, with integers beyond ±(2^53−1) as exact `BigInt`s. */
export declare function parseExact(text: string): unknown;
/** `JSON.stringify`, writing a `BigInt` as an exact JSON integer. */
export declare function stringifyExact(value: unknown): string;
