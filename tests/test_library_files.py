"""Reading the library and link files, and seeding the user's tables from them."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from sommit_pipeline.scenarios.format import ScenarioError
from sommit_pipeline.transforms.library import read_library_csv, read_links_csv
from sommit_pipeline.warehouse.library import LinkTargetError, import_library, seed_links

HEADER = (
    "library_ref_id,kind,producer,cuvee,appellation,region,colour,vintage,format_cl,"
    "purchase_cost_ht_cents,sale_price_ttc_cents,vat_rate\n"
)
MARGAUX = "L1,wine,Château Brane-Cantenac,,Margaux,Bordeaux,red,2016,75,7000,23100,2000\n"
MAGNUM = "L2,wine,Château Brane-Cantenac,,Margaux,Bordeaux,red,2015,150,15000,46000,2000\n"


def csv_file(tmp_path, text: str, name: str = "library.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_library_rows_are_typed_and_named_for_people(tmp_path):
    frame = read_library_csv(csv_file(tmp_path, HEADER + MARGAUX + MAGNUM))
    assert frame.select("display_name", "vintage", "sale_price_ttc_cents").rows() == [
        ("Château Brane-Cantenac Margaux 2016", 2016, 23100),
        ("Château Brane-Cantenac Margaux 2015 (150 cl)", 2015, 46000),
    ]
    assert frame.schema["format_cl"] == pl.Float64


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (MARGAUX.replace(",2016,", ",vingt,"), "line 2: column vintage has 'vingt'"),
        (MARGAUX.replace("wine", "vin"), "L1 has kind 'vin'"),
        (MARGAUX + MARGAUX, "library_ref_id 'L1' appears more than once"),
    ],
)
def test_a_library_file_with_bad_rows_is_refused_naming_the_row(tmp_path, rows, message):
    with pytest.raises(ScenarioError, match=message):
        read_library_csv(csv_file(tmp_path, HEADER + rows))


def test_a_file_without_the_library_columns_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="missing column"):
        read_library_csv(csv_file(tmp_path, "name,price\nX,1\n"))


def test_import_adds_new_references_and_never_overwrites_one(tmp_path):
    conn = duckdb.connect()
    assert import_library(conn, read_library_csv(csv_file(tmp_path, HEADER + MARGAUX))) == 1
    conn.execute("UPDATE library SET sale_price_ttc_cents = 24000 WHERE library_ref_id = 'L1'")
    edited = HEADER + MARGAUX + MAGNUM
    assert import_library(conn, read_library_csv(csv_file(tmp_path, edited))) == 1
    assert conn.execute(
        "SELECT library_ref_id, sale_price_ttc_cents FROM library ORDER BY 1"
    ).fetchall() == [("L1", 24000), ("L2", 46000)]


def test_links_are_seeded_once_and_must_point_at_the_library(tmp_path):
    conn = duckdb.connect()
    import_library(conn, read_library_csv(csv_file(tmp_path, HEADER + MARGAUX)))
    orphan = read_links_csv(
        csv_file(tmp_path, "pos_product_id,library_ref_id,serving_factor\nP9,NOPE,1\n", "links.csv")
    )
    with pytest.raises(LinkTargetError, match="P9 -> NOPE"):
        seed_links(conn, orphan)
    # the failed seed left no table behind: the next seed still applies
    good = read_links_csv(
        csv_file(
            tmp_path,
            "pos_product_id,library_ref_id,serving_factor\nP1,L1,1\nP2,L1,0.16\n",
            "links.csv",
        )
    )
    assert seed_links(conn, good) == 2
    assert seed_links(conn, good) is None
    assert conn.execute("SELECT sum(serving_factor) FROM pos_links").fetchall() == [(1.16,)]


def test_a_serving_factor_must_be_positive(tmp_path):
    path = csv_file(tmp_path, "pos_product_id,library_ref_id,serving_factor\nP1,L1,0\n", "l.csv")
    with pytest.raises(ScenarioError, match="serving_factor must be > 0"):
        read_links_csv(path)


def test_an_analyst_on_a_read_only_connection_can_use_the_library(tmp_path):
    from sommit_pipeline.sync.queue import library_entries

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as conn:
        import_library(conn, read_library_csv(csv_file(tmp_path, HEADER + MARGAUX)))
    with duckdb.connect(str(path), read_only=True) as conn:
        entries = library_entries(conn)  # used to fail: CREATE on a read-only database
    assert [(e.ref_id, e.producer, e.vintage) for e in entries] == [
        ("L1", "Château Brane-Cantenac", 2016)
    ]
