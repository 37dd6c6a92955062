/**
 * Paging that goes round in a circle ends with one clear error, on every platform that pages: a
 * hostile server in front of the twin points each list's next page back at a page already read.
 */
import assert from "node:assert/strict";
import { PaginationError } from "../../lib/http/pages.ts";
import { connectSen2Cube, Sen2Cube } from "../../lib/platforms/sen2cube/mod.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { hostileProxy, sandbox, up42JobThrough } from "../helpers.ts";

Deno.test("paging: a UP42 next link pointing at its own page ends the list after one repeat", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using proxy = await hostileProxy(sb.url, (path, body) => {
    if (!path.endsWith("/v2/processing/jobs")) return body;
    const page = body as { links: Array<{ rel: string; href: string }> };
    return { ...page, links: [{ rel: "next", href: "/v2/processing/jobs?page=self" }] };
  });
  const { up42 } = await up42JobThrough(sb.url, `${proxy.url}/up42/`, clock);
  const before = proxy.requests.length;
  const read: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const job of up42.jobs()) read.push(job);
    })(),
    (e: Error) =>
      e instanceof PaginationError && /UP42 jobs: the next page .* was read before/.test(e.message),
  );
  const pages = proxy.requests.length - before;
  assert.ok(pages <= 4, `${pages} requests for a list that goes round`);
});

Deno.test("paging: a Sen2Cube links.next that comes back is one error, not an endless list", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using proxy = await hostileProxy(sb.url, (_path, body) => {
    const doc = body as { data?: unknown[]; links?: Record<string, string> };
    if (!Array.isArray(doc?.data)) return body;
    return {
      ...doc,
      links: { ...doc.links, next: "/sen2cube/v1/knowledgebase?page%5Bnumber%5D=1" },
    };
  });
  const direct = connectSen2Cube({ sandbox: sb.url, clock });
  const s2c = new Sen2Cube({ baseUrl: `${proxy.url}/sen2cube/v1`, session: direct.session });
  await assert.rejects(
    (async () => {
      for await (const _ of s2c.knowledgebases()) { /* page on */ }
    })(),
    (e: Error) =>
      e instanceof PaginationError && /JSON:API knowledgebase: the next page/.test(e.message),
  );
});

Deno.test("paging: the sandbox's self-next fault makes UP42 and Sen2Cube lists go round; each ends in one PaginationError", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const { up42 } = await up42JobThrough(sb.url, `${sb.url}/up42/`, clock);
  const s2c = connectSen2Cube({ sandbox: sb.url, clock });
  sb.faults.add({ prefix: "/up42/v2/processing/jobs", selfNextRate: 1 });
  sb.faults.add({ prefix: "/sen2cube/v1/knowledgebase", selfNextRate: 1 });
  for (
    const [list, name] of [
      [() => up42.jobs(), /UP42 jobs/],
      [() => s2c.knowledgebases(), /JSON:API knowledgebase/],
    ] as const
  ) {
    await assert.rejects(
      async () => {
        for await (const _ of list()) { /* page on */ }
      },
      (e: Error) => e instanceof PaginationError && name.test(e.message),
    );
  }
  assert.ok(sb.faults.injected("self-next") >= 2);
  assert.ok(sb.faults.injected("self-next") <= 8, `${sb.faults.injected("self-next")} pages read`);
});
