#!/usr/bin/env python3
"""Execute notebooks with the Deno kernel without losing outputs, and check that they show what
they should.

The Deno 2.9 kernel can publish a cell's last output just after it reports `idle`, and nbclient
stops reading at `idle`, so `jupyter nbconvert --execute` drops figures at random. This runner
keeps reading the kernel's output channel until it has been quiet for a moment after `idle`.

A code cell must show something when its last top-level statement is an expression (a figure, a
value, a template string) or when it prints or displays; a cell that shows nothing then fails the
run, as does any cell that raises.

With --all-at-once, every cell is queued at once, as a browser's Run All does, and each output is
kept under the cell whose request it names; a cell that shows nothing though it should, or shows
something though it only declares, has had its output misplaced, and the run fails.

Usage (Debian's python3 with python3-nbclient):
    run_notebooks.py [--in-place | --output-dir DIR] [--kernel NAME] [--timeout S]
                     [--repeat N] [--stop-at-idle | --all-at-once] notebook.ipynb ...
--stop-at-idle reads as plain nbclient does, to count what that loses in the same run.
Exit status: 0 when every notebook ran and showed every output, 1 otherwise.
"""
import argparse
import os
import re
import sys
import time
from queue import Empty

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import ensure_async

QUIET_S = 0.3
LONGEST_TAIL_S = 3.0

DECLARATION = re.compile(
    r"^(const|let|var|import|export|function|async\s+function|class|type|interface|enum|for|"
    r"while|do|if|try|switch|return|throw)\b"
)
SHOWS = re.compile(r"\bliveDisplay\(|\bliveMap\(|\bconsole\.(log|table|info)\(|\bDeno\.jupyter\.display\(")


class PatientClient(NotebookClient):
    """An nbclient that keeps reading a cell's outputs for a moment after `idle`."""

    patient = True

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        try:
            await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        finally:
            if self.patient:
                await self._read_tail(parent_msg_id, cell, cell_index)

    async def _read_tail(self, parent_msg_id, cell, cell_index):
        until = time.monotonic() + LONGEST_TAIL_S
        while time.monotonic() < until:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=QUIET_S))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def last_statement(source):
    """The first line of the cell's last top-level statement."""
    lines = [line for line in source.rstrip().splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("//"):
            continue
        if not line[0].isspace() and line[0] not in "})]":
            return line
    return lines[0] if lines else ""


def should_show(source):
    if SHOWS.search(source):
        return True
    statement = last_statement(source)
    return bool(statement) and not DECLARATION.match(statement)


def run(path, kernel, timeout, patient=True):
    """Executes one notebook; returns it and the indices of cells that showed nothing."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validator.normalize(nb)
    client = PatientClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    client.patient = patient
    client.execute()
    silent = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and should_show(cell.source) and not cell.outputs
    ]
    return nb, silent


def run_all_at_once(path, kernel, timeout):
    """Queues every code cell at once; returns the notebook, silent cells and misplaced ones."""
    from jupyter_client.manager import start_new_kernel

    nb = nbformat.read(path, as_version=4)
    nbformat.validator.normalize(nb)
    km, kc = start_new_kernel(kernel_name=kernel, cwd=os.path.dirname(os.path.abspath(path)))
    try:
        cells = {}
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                cell.outputs = []
                cells[kc.execute(cell.source, store_history=True, allow_stdin=False)] = i
        pending, displays, raised = set(cells), {}, []
        deadline = time.monotonic() + timeout * max(1, len(cells))
        quiet_since = None
        while time.monotonic() < deadline:
            try:
                msg = kc.get_iopub_msg(timeout=QUIET_S)
            except Empty:
                if not pending:
                    break
                continue
            i = cells.get(msg["parent_header"].get("msg_id"))
            if i is None:
                continue
            kind, content = msg["msg_type"], msg["content"]
            outputs = nb.cells[i].outputs
            if kind == "status" and content.get("execution_state") == "idle":
                pending.discard(msg["parent_header"]["msg_id"])
            elif kind == "clear_output":
                outputs.clear()
            elif kind == "update_display_data":
                for out in displays.get(content.get("transient", {}).get("display_id"), []):
                    out["data"], out["metadata"] = content["data"], content.get("metadata", {})
            elif kind in ("stream", "display_data", "execute_result", "error"):
                out = nbformat.v4.output_from_msg(msg)
                display_id = content.get("transient", {}).get("display_id")
                if display_id:
                    displays.setdefault(display_id, []).append(out)
                if kind == "error":
                    raised.append(i)
                outputs.append(out)
        silent = [
            i for i in cells.values()
            if should_show(nb.cells[i].source) and not nb.cells[i].outputs
        ]
        misplaced = [
            i for i in cells.values()
            if not should_show(nb.cells[i].source) and nb.cells[i].outputs and i not in raised
        ]
        if raised:
            raise CellExecutionError(f"cell {raised[0]} raised", "", "")
        if pending:
            raise CellExecutionError(f"{len(pending)} cell(s) never finished", "", "")
        return nb, silent, misplaced
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--in-place", action="store_true", help="write outputs into the notebooks")
    where.add_argument("--output-dir", help="write executed copies here")
    parser.add_argument("--kernel", default="eojobs", help="kernel name (default eojobs)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--repeat", type=int, default=1, help="execute each notebook N times")
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--stop-at-idle",
        action="store_true",
        help="stop reading at idle as plain nbclient does (to measure what that loses)",
    )
    how.add_argument(
        "--all-at-once",
        action="store_true",
        help="queue every cell at once, as a browser's Run All does; fail on misplaced outputs",
    )
    args = parser.parse_args()

    failures = 0
    lost = 0
    moved = 0
    for round_ in range(args.repeat):
        for path in args.notebooks:
            name = os.path.basename(path)
            label = f"{name} (run {round_ + 1}/{args.repeat})" if args.repeat > 1 else name
            started = time.monotonic()
            misplaced = []
            try:
                if args.all_at_once:
                    nb, silent, misplaced = run_all_at_once(path, args.kernel, args.timeout)
                else:
                    nb, silent = run(path, args.kernel, args.timeout, not args.stop_at_idle)
            except CellExecutionError as error:
                failures += 1
                print(f"!! {label}: a cell raised\n{str(error)[-3000:]}", flush=True)
                continue
            seconds = time.monotonic() - started
            if silent or misplaced:
                moved += len(misplaced)
                failures += 1
                lost += len(silent)
                problems = [f"cell {i} showed nothing" for i in silent] + [
                    f"cell {i} shows another cell's output" for i in misplaced
                ]
                print(f"!! {label}: {', '.join(problems)} ({seconds:.1f} s)", flush=True)
            else:
                print(f"ok {label} ({seconds:.1f} s)", flush=True)
            if args.in_place:
                nbformat.write(nb, path)
            elif args.output_dir:
                os.makedirs(args.output_dir, exist_ok=True)
                nbformat.write(nb, os.path.join(args.output_dir, name))
    if args.repeat > 1:
        runs = args.repeat * len(args.notebooks)
        print(
            f"{runs} executions, {lost} cells lost their output, {moved} showed another "
            f"cell's, {failures} failed"
        )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
