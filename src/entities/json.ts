/**
 * The contents of a jsonb object column. Values stay `any` on purpose: a recursive JSON type
 * makes TypeORM's QueryDeepPartialEntity (the type of insert() and update() arguments)
 * recurse without end, and the database guarantees valid JSON anyway.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonObject = Record<string, any>;
