/**
 * The HTTP core: one client with retries, time-outs and bearer auth, and its error types.
 *
 * @module
 */
export * from "./client.ts";
export {
  AnswerTooLargeError,
  type ConnectFailure,
  connectFailure,
  type ConnectProblem,
  HttpError,
  type HttpErrorInit,
  NetworkError,
  UnsafeUrlError,
} from "./errors.ts";
export { PaginationError } from "./pages.ts";
export * from "./retry_after.ts";
export { arrayOf, type FieldType, objectWith, type ShapeCheck } from "./shape.ts";
export * from "./token.ts";
export { SocketClosedError } from "./websocket.ts";
