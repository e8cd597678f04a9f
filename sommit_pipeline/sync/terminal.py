"""``sommit sync``: clear the drinks to synchronise from a terminal, one key per decision.

Per line: the till label, the sold mark, the last sale date, the revenue at stake and up to five
library suggestions. Keys: ``y`` yes (link to suggestion 1), ``1``-``5`` link to that suggestion,
``a`` almost (same wine, the label's vintage; created when missing), ``n`` no (search the library
or create a reference), ``i`` ignore (not tracked: food, services), ``s`` skip, ``q`` quit.
Every decision is written at once, in its own transaction, with its audit row.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

import duckdb

from sommit_pipeline.matching.engine import Suggestion
from sommit_pipeline.money import euros_to_cents
from sommit_pipeline.sync import links
from sommit_pipeline.sync.links import SyncError
from sommit_pipeline.sync.queue import SyncItem, library_engine, pending_items

KEYS = "[y]es  [1-5] pick  [a]lmost  [n]o: search/create  [i]gnore  [s]kip  [q]uit"


class SyncSession:
    """The warehouse is opened per decision, never held while a person thinks: DuckDB has one
    writer per file, and the nightly run or a sensor may need it meanwhile."""

    def __init__(
        self,
        warehouse: Callable[[], contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]],
        *,
        decided_by: str,
        include_catalogue_only: bool = False,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.decided_by = decided_by
        self.include_catalogue_only = include_catalogue_only
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.decisions = 0

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        with self.warehouse() as conn:
            items = pending_items(conn, self.include_catalogue_only)
            engine, self.names = library_engine(conn)
        sold = sum(1 for item in items if item.is_sold)
        self.say(f"{len(items)} drink(s) to synchronise ({sold} sold). {KEYS}")
        for number, item in enumerate(items, start=1):
            suggestions = engine.suggest(item.label, limit=5)
            if item.relink_target:  # Popina regenerated its id: its old link comes first
                old = Suggestion(item.relink_target, 100.0, "sure", False, None, None)
                suggestions = [old, *(s for s in suggestions if s.ref_id != old.ref_id)][:5]
            self.show(number, len(items), item, suggestions)
            if not self.decide(item, suggestions):
                break
        self.say(
            f"{self.decisions} decision(s) recorded. The books of the days concerned are redone by "
            "the link_changes_sensor while `make ui` runs; otherwise run the days again "
            "(the demo: `make demo`; Popina: `sommit run FIRST_DAY LAST_DAY`)."
        )
        return self.decisions

    def decide(self, item: SyncItem, suggestions: list[Suggestion]) -> bool:
        """Ask until one valid answer is applied; False to stop the session."""
        while True:
            key = self.read_key("> ")
            try:
                if key in ("q", ""):
                    return False
                if key == "s":
                    return True
                if key == "i":
                    with self.warehouse() as conn:
                        links.ignore(
                            conn,
                            item.pos_product_id,
                            decided_by=self.decided_by,
                            reason="sync: not tracked",
                        )
                    return self.done(f"ignored {item.label!r}")
                if key in ("y", *"12345"):
                    index = 0 if key == "y" else int(key) - 1
                    if index >= len(suggestions):
                        self.say("no such suggestion")
                        continue
                    return self.link_to(item, suggestions[index].ref_id)
                if key == "a":
                    return self.almost(item, suggestions)
                if key == "n":
                    return self.no(item)
                self.say(KEYS)
            except SyncError as exc:
                self.say(f"error: {exc}")

    # -- answers --------------------------------------------------------------------------

    def link_to(self, item: SyncItem, ref_id: str) -> bool:
        with self.warehouse() as conn:
            made = links.link(conn, item.pos_product_id, ref_id, decided_by=self.decided_by)
        return self.done(
            f"linked {item.label!r} -> {self.names.get(ref_id, ref_id)} "
            f"(serving factor {made.serving_factor:g}; change it with "
            f"`sommit link {item.pos_product_id} {ref_id} --factor X`)"
        )

    def almost(self, item: SyncItem, suggestions: list[Suggestion]) -> bool:
        if not suggestions:
            self.say("no suggestion to take the wine from: use [n]o")
            return self.decide(item, suggestions)
        first = suggestions[0]
        vintage = first.label_vintage
        if vintage is None:
            answer = self.read_line("vintage of the label (empty for non-vintage): ").strip()
            vintage = int(answer) if answer.isdigit() else None
        with self.warehouse() as conn:
            made, created = links.almost(
                conn, item.pos_product_id, first.ref_id, vintage, decided_by=self.decided_by
            )
            self.names = _names(conn)
        created_note = " (new reference)" if created else ""
        return self.done(
            f"linked {item.label!r} -> {self.names[made.library_ref_id]}"
            f"{created_note}, serving factor {made.serving_factor:g}"
        )

    def no(self, item: SyncItem) -> bool:
        with self.warehouse() as conn:
            engine, self.names = library_engine(conn)
        while True:
            text = self.read_line("search the library (text), + to create, empty to go back: ")
            text = text.strip()
            if not text:
                return self.decide(item, [])
            if text == "+":
                ref_id = self.create_reference(item)
                return self.link_to(item, ref_id) if ref_id else self.decide(item, [])
            found = engine.suggest(text, limit=9)
            for n, suggestion in enumerate(found, start=1):
                self.say(f"   {n}  {self.names[suggestion.ref_id]}  ({suggestion.score:.0f})")
            pick = self.read_line("number to link, or a new search: ").strip()
            if pick.isdigit() and 1 <= int(pick) <= len(found):
                return self.link_to(item, found[int(pick) - 1].ref_id)

    def create_reference(self, item: SyncItem) -> str | None:
        self.say(f"new library reference for {item.label!r} (empty = none)")
        fields = {
            "kind": self.read_line("kind [wine/beer/spirit/soft] (wine): ").strip() or "wine",
            "producer": self.read_line("producer: ").strip() or None,
            "cuvee": self.read_line("cuvée: ").strip() or None,
            "appellation": self.read_line("appellation: ").strip() or None,
            "colour": self.read_line("colour [red/white/rose/sparkling]: ").strip() or None,
            "vintage": _int_or_none(self.read_line("vintage: ")),
            "format_cl": float(self.read_line("format in cl (75): ").strip() or 75),
            "purchase_cost_ht_cents": _cents_or_none(self.read_line("purchase cost HT, €: ")),
            "sale_price_ttc_cents": _cents_or_none(self.read_line("sale price TTC, €: ")),
        }
        with self.warehouse() as conn:
            ref_id = links.create_reference(conn, fields, decided_by=self.decided_by)
            self.names = _names(conn)
        self.say(f"created {ref_id}: {self.names[ref_id]}")
        return ref_id

    # -- display and input ----------------------------------------------------------------

    def show(self, number: int, total: int, item: SyncItem, suggestions: list[Suggestion]) -> None:
        mark = "● sold" if item.is_sold else "○ catalogue only"
        last = f"last sale {item.last_sale_day}" if item.last_sale_day else "never sold"
        stake = item.unlinked_revenue_ttc_cents / 100
        self.say(f"\n[{number}/{total}] {mark}  {item.label}  ({item.category or '-'})")
        self.say(f"        {last}   revenue at stake {stake:,.2f} €   id {item.pos_product_id}")
        if item.relink_from:
            self.say(
                f"   relink: same label and price as {item.relink_from}, linked to "
                f"{item.relink_target} before it left the catalogue"
            )
        if not suggestions:
            self.say("   no suggestion: [n]o to search or create, [i]gnore if not tracked")
        for n, s in enumerate(suggestions, start=1):
            almost = ""
            if s.is_almost:
                almost = (
                    f"   almost: label {s.label_vintage or 'NV'}, library {s.entry_vintage or 'NV'}"
                )
            self.say(
                f"   {n}  {self.names.get(s.ref_id, s.ref_id):<60} {s.score:5.1f} "
                f"{s.confidence}{almost}"
            )

    def done(self, message: str) -> bool:
        self.decisions += 1
        self.say(f"   ✓ {message}")
        return True

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def read_line(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        return line.rstrip("\n")

    def read_key(self, prompt: str) -> str:
        """One key press on a terminal; the first character of a line otherwise (scripts)."""
        self.out.write(prompt)
        self.out.flush()
        if not self.stdin.isatty():
            return self.stdin.readline().strip()[:1].lower()
        with _cbreak(self.stdin):
            key = self.stdin.read(1)
        self.out.write(key + "\n")
        return key.strip().lower()


@contextlib.contextmanager
def _cbreak(stream: TextIO) -> Iterator[None]:
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _names(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(conn.execute("SELECT library_ref_id, display_name FROM library").fetchall())


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _cents_or_none(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return euros_to_cents(text)
    except ValueError as exc:
        raise SyncError(str(exc)) from None
