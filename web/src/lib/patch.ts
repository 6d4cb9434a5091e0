/** A change to some fields of T, where `undefined` clears a field (a filter the user removed). */
export type Patch<T> = { [K in keyof T]?: T[K] | undefined };
