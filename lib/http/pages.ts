/**
 * One guard for every paginated list of the four platforms (UP42 `links[rel=next]`, Sen2Cube
 * `links.next`, BEOD continuation tokens, STAC `next` links): a page link or token that comes
 * round again would page for ever (a UP42 `next` pointing at itself made 5,046 requests in 0.8 s),
 * so a repeat, or more pages than any real list has, ends the list with one clear error.
 *
 * @module
 */

/** Pages at most one list may have: far beyond any real answer, short of a runaway. */
export const MAX_PAGES = 100_000;

/**
 * A list whose next page was asked for before, or that never ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PaginationError } from "./pages.ts";
 * assert.equal(new PaginationError("jobs", "/v2/jobs?page=2", 2).pages, 2);
 * ```
 */
export class PaginationError extends Error {
  /** Always `"PaginationError"`. */
  override name = "PaginationError";
  /** The link or token that repeated (or came last). */
  readonly next: string;
  /** Pages read when it stopped. */
  readonly pages: number;

  /** `what` names the list (`UP42 jobs`). */
  constructor(what: string, next: string, pages: number, runaway = false) {
    super(
      runaway
        ? `${what}: more than ${MAX_PAGES} pages; the platform's paging never ends (last ${next})`
        : `${what}: the next page (${next}) was read before, after ${pages} page(s); the platform's paging goes round in a circle`,
    );
    this.next = next;
    this.pages = pages;
  }
}

/**
 * A guard for one list: call it with each next link or token before following it.
 *
 * @throws {PaginationError} on a repeat, or past {@linkcode MAX_PAGES}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageGuard } from "./pages.ts";
 * const visit = pageGuard("jobs");
 * visit("/jobs?page=2");
 * assert.throws(() => visit("/jobs?page=2"), /read before/);
 * ```
 */
export function pageGuard(what: string): (next: string) => void {
  const seen = new Set<string>();
  return (next) => {
    if (seen.has(next)) throw new PaginationError(what, next, seen.size + 1);
    if (seen.size >= MAX_PAGES) throw new PaginationError(what, next, seen.size + 1, true);
    seen.add(next);
  };
}
