"""Serving factor: how many library units one POS unit consumes, inferred from the label."""

from __future__ import annotations

from sommit_pipeline.matching.parse import parse_label

GLASS_CL = 12.5  # a glass with no volume on the label: 1/6 of a 75 cl bottle
CARAFE_CL = 50.0
PINT_CL = 56.8
HALF_BOTTLE_CL = 37.5
MAGNUM_CL = 150.0


def infer_serving_factor(label: str, library_format_cl: float) -> float | None:
    """Library units one POS unit of ``label`` consumes, rounded to 4 decimals.

    A 12 cl glass of a 75 cl bottle is 0.16; a glass with no volume is 12.5 cl (1/6 of 75 cl);
    a carafe or pichet is 50 cl unless it says otherwise (2/3 of a bottle); a bottle of the
    library's format is 1, a half 37.5 / format, a magnum 150 / format, a pint 56.8 cl; a can,
    a bottle or any label with a volume consumes volume / format. None when the label says
    nothing usable (no serving word, no volume) or the format is unknown.
    """
    if not library_format_cl or library_format_cl <= 0:
        return None
    parsed = parse_label(label)
    serving, volume = parsed.serving, parsed.volume_cl
    defaults = {
        "glass": GLASS_CL,
        "carafe": CARAFE_CL,
        "pint": PINT_CL,
        "half-bottle": HALF_BOTTLE_CL,
        "magnum": MAGNUM_CL,
    }
    if volume is not None:
        served = volume
    elif serving in defaults:
        served = defaults[serving]
    elif serving == "bottle":
        served = float(library_format_cl)
    else:
        return None
    return round(served / float(library_format_cl), 4)
