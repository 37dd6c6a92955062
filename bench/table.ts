/**
 * Job-table bookkeeping at 10,000 work items: the manager's own cost per job, with a backend
 * that answers at once (no HTTP), so only the table and the scheduling are measured.
 *
 * Run: `deno task bench:table`
 *
 * @module
 */
import { type JobBackend, JobManager, JobTable, type StatusSnapshot } from "../mod.ts";

const ITEMS = 10_000;
const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-" });
let next = 0;
const jobs = new Map<string, number>();
const backend: JobBackend<number> = {
  name: "instant",
  submit: (item) => {
    const id = String(next++);
    jobs.set(id, item);
    return Promise.resolve(id);
  },
  statuses: (ids) =>
    Promise.resolve(
      new Map<string, StatusSnapshot>(
        ids.map((id) => [id, { state: "succeeded", raw: "finished", data: null }]),
      ),
    ),
  findByTag: () => Promise.resolve(new Map()),
  results: () => Promise.resolve([]),
};

const t0 = performance.now();
const manager = await JobManager.open(
  Array.from({ length: ITEMS }, (_, i) => ({ key: `item-${i}`, item: i })),
  {
    backend,
    dir,
    concurrency: 500,
    pollIntervalMs: 0,
    download: false,
    sleep: () => Promise.resolve(),
  },
);
const opened = performance.now();
let events = 0;
for await (const _ of manager.run()) events++;
const ran = performance.now();
const size = (await Deno.stat(`${dir}/jobs.jsonl`)).size;
const reopen0 = performance.now();
const table = await JobTable.open(`${dir}/jobs.jsonl`);
const reopened = performance.now();
table.close();
const compacted = (await Deno.stat(`${dir}/jobs.jsonl`)).size;

console.log(
  `${ITEMS} items: open ${(opened - t0).toFixed(0)} ms, run ${
    (ran - opened).toFixed(0)
  } ms (${events} changes written)`,
);
console.log(
  `bookkeeping per job: ${((ran - t0) / ITEMS * 1000).toFixed(0)} µs; per table write: ${
    ((ran - opened) / events * 1000).toFixed(0)
  } µs`,
);
console.log(
  `reopen and compact: ${(reopened - reopen0).toFixed(0)} ms; log ${
    (size / 2 ** 20).toFixed(1)
  } MiB before, ` +
    `${(compacted / 2 ** 20).toFixed(1)} MiB after`,
);
await Deno.remove(dir, { recursive: true });
