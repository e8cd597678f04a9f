"""Library references and links read from CSV files into typed frames (pure)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sommit_pipeline.scenarios.format import LIBRARY_COLUMNS, LINK_COLUMNS, ScenarioError

LIBRARY_SCHEMA = pl.Schema(
    {
        "library_ref_id": pl.String,
        "kind": pl.String,
        "producer": pl.String,
        "cuvee": pl.String,
        "appellation": pl.String,
        "region": pl.String,
        "colour": pl.String,
        "vintage": pl.Int32,
        "format_cl": pl.Float64,
        "purchase_cost_ht_cents": pl.Int64,
        "sale_price_ttc_cents": pl.Int64,
        "vat_rate": pl.Int32,
        "display_name": pl.String,
    }
)
LINKS_SCHEMA = pl.Schema(
    {"pos_product_id": pl.String, "library_ref_id": pl.String, "serving_factor": pl.Float64}
)
KINDS = ("wine", "beer", "spirit", "soft")


def read_library_csv(path: Path) -> pl.DataFrame:
    raw = _read_strings(path, LIBRARY_COLUMNS)
    frame = _cast(path, raw, LIBRARY_SCHEMA.keys() - {"display_name"}, LIBRARY_SCHEMA)
    bad_kind = frame.filter(~pl.col("kind").is_in(KINDS))
    if bad_kind.height:
        row = bad_kind.row(0, named=True)
        raise ScenarioError(
            f"{path}: library reference {row['library_ref_id']} has kind {row['kind']!r}; "
            f"expected one of {', '.join(KINDS)}"
        )
    _reject_duplicates(path, frame, "library_ref_id")
    return frame.with_columns(display_name=display_name_expr()).select(list(LIBRARY_SCHEMA))


def read_links_csv(path: Path) -> pl.DataFrame:
    raw = _read_strings(path, LINK_COLUMNS)
    frame = _cast(path, raw, LINKS_SCHEMA.keys(), LINKS_SCHEMA)
    not_positive = frame.filter(pl.col("serving_factor") <= 0)
    if not_positive.height:
        raise ScenarioError(
            f"{path}: serving_factor must be > 0 (product {not_positive['pos_product_id'][0]})"
        )
    _reject_duplicates(path, frame, "pos_product_id")
    return frame


def display_name_expr() -> pl.Expr:
    """ "Producer Cuvée Appellation 2019 (150 cl)": what a sommelier reads in a list."""
    vintage = pl.col("vintage").cast(pl.String)
    size = pl.when(pl.col("format_cl").is_not_null() & (pl.col("format_cl") != 75)).then(
        pl.format("({} cl)", pl.col("format_cl").round(1).cast(pl.String).str.strip_suffix(".0"))
    )
    parts = [pl.col("producer"), pl.col("cuvee"), pl.col("appellation"), vintage, size]
    return pl.concat_str(parts, separator=" ", ignore_nulls=True).str.strip_chars()


def _read_strings(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file")
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ScenarioError(f"{path}: not a readable CSV ({exc})") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScenarioError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame.select(columns).with_columns(pl.all().str.strip_chars().replace("", None))


def _cast(path: Path, raw: pl.DataFrame, names, schema: pl.Schema) -> pl.DataFrame:
    out = raw
    for name in names:
        dtype = schema[name]
        if dtype == pl.String:
            continue
        cast = raw[name].cast(pl.Float64 if dtype == pl.Float64 else dtype, strict=False)
        failed = raw.with_row_index("row").filter(cast.is_null() & raw[name].is_not_null())
        if failed.height:
            raise ScenarioError(
                f"{path}: line {failed['row'][0] + 2}: column {name} has "
                f"{failed[name][0]!r}, not a {dtype}"
            )
        out = out.with_columns(cast.alias(name))
    return out


def _reject_duplicates(path: Path, frame: pl.DataFrame, key: str) -> None:
    duplicated = frame.filter(pl.col(key).is_duplicated())
    if duplicated.height:
        raise ScenarioError(f"{path}: {key} {duplicated[key][0]!r} appears more than once")
