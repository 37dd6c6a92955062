/**
 * The HTTP core: one client with retries, time-outs and bearer auth, and its error types.
 *
 * @module
 */
export * from "./client.ts";
export * from "./errors.ts";
export { MAX_PAGES, pageGuard, PaginationError } from "./pages.ts";
export * from "./retry_after.ts";
export { arrayOf, type FieldType, objectWith, type ShapeCheck } from "./shape.ts";
export * from "./token.ts";
export * from "./websocket.ts";
