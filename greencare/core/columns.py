"""Small helpers for working on whole columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and distinct values of a column, with a fast path for a constant column.

    Import chunks often carry one unit, one currency or one source in every row; checking that
    (one C-level comparison) is several times cheaper than hashing every string.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":  # text and mixed values compare as objects
        array = array.astype(object)
    if len(array) and (array == array[0]).all():
        return np.zeros(len(array), dtype=np.int64), array[:1].copy()
    codes, uniques = pd.factorize(array)
    return codes.astype(np.int64), np.asarray(uniques)


def codes_of(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``factorize`` of a Series, with missing values as ""; a categorical column gives its
    codes without hashing a string (validation hands units and currencies over that way)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy(dtype=np.int64)
        names = np.asarray(column.cat.categories, dtype=object)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(names), codes)
            names = np.append(names, np.array([""], dtype=object))
        return codes, names
    values = column.to_numpy(dtype=object)
    return factorize(np.where(pd.isna(values), "", values))
