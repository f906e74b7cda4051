"""How alike centres are: shared brands (Jaccard) and category mix (cosine).

A centre's *clone-ness* is its mean brand similarity to every other loaded centre: a
high street whose chains are the chains of every other high street scores high, one
whose shops are its own scores 0.

>>> import pandas as pd
>>> units = pd.DataFrame({
...     "centre_id": ["a", "a", "b", "b", "c"],
...     "name": ["Greggs", "Boots", "Greggs", "Costa", "Jo's Cafe"],
...     "ownership": ["chain", "chain", "chain", "chain", "independent"],
...     "status": "occupied", "category": ["baker", "pharmacy", "baker", "cafe", "cafe"]})
>>> round(float(brand_jaccard(units).loc["a", "b"]), 3)
0.333
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from .ownership import name_key

CHAIN_CLASSES = ("chain", "symbol_group")


def _occupied(units: pd.DataFrame, by: str) -> pd.DataFrame:
    status = units["status"].astype("string") if "status" in units else pd.Series("occupied", index=units.index)
    keep = units[by].notna() & ~status.isin(["vacant", "unknown"]).fillna(False)
    return units.loc[keep]


def brand_table(units: pd.DataFrame, *, by: str = "centre_id") -> pd.DataFrame:
    """Chain and symbol-group brands per centre: ``centre``, ``brand_key``, ``brand`` (as written), ``units``."""
    occ = _occupied(units, by)
    own = occ["ownership"].astype("string")
    occ = occ[own.isin(CHAIN_CLASSES).fillna(False)]
    brand = occ["brand"].astype("string") if "brand" in occ else pd.Series(pd.NA, index=occ.index, dtype="string")
    label = brand.fillna(occ["name"].astype("string") if "name" in occ else brand)
    frame = pd.DataFrame({"centre": occ[by].astype("string"), "brand_key": name_key(label), "brand": label})
    frame = frame[frame["brand_key"].notna()]
    return (frame.groupby(["centre", "brand_key"]).agg(brand=("brand", "first"), units=("brand", "size"))
            .reset_index())


def _centres(units: pd.DataFrame, by: str) -> pd.Index:
    return pd.Index(sorted(units[by].dropna().astype("string").unique()), name="centre")


def _incidence(table: pd.DataFrame, rows: pd.Index, col: str, weight: str | None = None) -> sparse.csr_matrix:
    r = rows.get_indexer(table["centre"])
    cols, c = np.unique(table[col].to_numpy(dtype=object), return_inverse=True)
    w = np.ones(len(table)) if weight is None else table[weight].to_numpy(dtype=float)
    return sparse.csr_matrix((w, (r, c)), shape=(len(rows), len(cols)))


def brand_jaccard(units: pd.DataFrame, *, by: str = "centre_id") -> pd.DataFrame:
    """Jaccard similarity of the centres' brand sets (shared brands / brands in either).

    Square table, one row and column per centre; NaN where neither centre has a chain.
    """
    return jaccard_from_table(brand_table(units, by=by), _centres(units, by))


def jaccard_from_table(table: pd.DataFrame, centres: pd.Index) -> pd.DataFrame:
    """Brand Jaccard similarity from a :func:`brand_table` (one row and column per centre in `centres`)."""
    if table.empty:
        return pd.DataFrame(np.nan, index=centres, columns=centres)
    m = _incidence(table, centres, "brand_key")
    inter = (m @ m.T).toarray()
    size = np.asarray(m.sum(axis=1)).ravel()
    union = size[:, None] + size[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, inter / union, np.nan)
    return pd.DataFrame(jac, index=centres, columns=centres)


def category_mix(units: pd.DataFrame, *, by: str = "centre_id") -> pd.DataFrame:
    """Occupied units per centre (rows) and shop type (columns)."""
    occ = _occupied(units, by)
    occ = occ[occ["category"].notna()]
    return pd.crosstab(occ[by].astype("string").rename("centre"), occ["category"].astype("string"))


def category_long(units: pd.DataFrame, *, by: str = "centre_id") -> pd.DataFrame:
    """Occupied units per centre and shop type, long form: ``centre``, ``category``, ``units``."""
    occ = _occupied(units, by)
    occ = occ[occ["category"].notna()]
    frame = pd.DataFrame({"centre": occ[by].astype("string"), "category": occ["category"].astype("string")})
    return frame.groupby(["centre", "category"]).size().rename("units").reset_index()


def category_cosine(units: pd.DataFrame, *, by: str = "centre_id") -> pd.DataFrame:
    """Cosine similarity of the centres' category mixes (counts of occupied units per type)."""
    centres = _centres(units, by)
    mix = category_mix(units, by=by).reindex(centres, fill_value=0)
    m = mix.to_numpy(dtype=float)
    norm = np.linalg.norm(m, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (m @ m.T) / np.outer(norm, norm)
    cos[~np.isfinite(cos)] = np.nan
    return pd.DataFrame(cos, index=centres, columns=centres)


def clone_ness(units: pd.DataFrame, *, by: str = "centre_id") -> pd.Series:
    """Each centre's mean brand Jaccard similarity to every other centre (NaN with one centre)."""
    return clone_ness_tables(brand_table(units, by=by), _centres(units, by))


def most_similar(units: pd.DataFrame, centre: str, *, by: str = "centre_id", n: int = 5) -> pd.DataFrame:
    """The `n` centres most like `centre` by brands (then by category mix).

    Returns
    -------
    DataFrame
        ``centre``, ``brand_jaccard``, ``shared_brands`` (count), ``brands_in_common``
        (names, ``;``-joined), ``category_cosine``; most similar first.
    """
    return most_similar_tables(brand_table(units, by=by), category_long(units, by=by), centre, n=n,
                               centres=_centres(units, by))


def most_similar_tables(brands: pd.DataFrame, mix: pd.DataFrame, centre: str, *, n: int = 5,
                        centres: pd.Index | None = None) -> pd.DataFrame:
    """:func:`most_similar` from stored tables: a :func:`brand_table` and a :func:`category_long`.

    Only the chosen centre's row of the similarity matrices is computed, so the cost
    grows with the number of centres, not its square.
    """
    if centres is None:
        centres = pd.Index(sorted(set(brands["centre"].dropna()) | set(mix["centre"].dropna())), name="centre")
    if centre not in centres:
        raise KeyError(f"no centre {centre!r}; centres: {', '.join(centres[:10])}")
    i = centres.get_loc(centre)
    cols = ["centre", "brand_jaccard", "shared_brands", "brands_in_common", "category_cosine"]
    if brands.empty:
        jac = np.full(len(centres), np.nan)
    else:
        m = _incidence(brands, centres, "brand_key")
        inter = (m @ m[i].T).toarray().ravel()
        size = np.asarray(m.sum(axis=1)).ravel()
        union = size + size[i] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            jac = np.where(union > 0, inter / union, np.nan)
    if mix.empty:
        cos = np.full(len(centres), np.nan)
    else:
        c = _incidence(mix, centres, "category", weight="units")
        dot = (c @ c[i].T).toarray().ravel()
        norm = np.sqrt(np.asarray(c.multiply(c).sum(axis=1)).ravel())
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = dot / (norm * norm[i])
        cos[~np.isfinite(cos)] = np.nan
    mine = brands[brands["centre"] == centre].set_index("brand_key")["brand"]
    others = brands[(brands["centre"] != centre) & brands["brand_key"].isin(mine.index)]
    shared = others.groupby("centre")["brand_key"].agg(lambda s: "; ".join(sorted(mine[k] for k in s)))
    out = pd.DataFrame({"centre": centres, "brand_jaccard": jac, "category_cosine": cos})
    out = out[out["centre"] != centre]
    out["brands_in_common"] = out["centre"].map(shared).fillna("")
    out["shared_brands"] = out["centre"].map(others.groupby("centre").size()).fillna(0).astype(int)
    out = out.sort_values(["brand_jaccard", "category_cosine"], ascending=False, na_position="last")
    return out[cols].head(n).reset_index(drop=True)


def clone_ness_tables(brands: pd.DataFrame, centres: pd.Index) -> pd.Series:
    """:func:`clone_ness` from a :func:`brand_table`, in blocks of rows (memory bounded by the block)."""
    if len(centres) < 2:
        return pd.Series(np.nan, index=centres, name="clone_ness", dtype=float)
    out = np.zeros(len(centres))
    if brands.empty:
        return pd.Series(out, index=centres, name="clone_ness")
    m = _incidence(brands, centres, "brand_key")
    size = np.asarray(m.sum(axis=1)).ravel()
    for start in range(0, len(centres), 1024):
        block = m[start:start + 1024]
        inter = (block @ m.T).toarray()
        union = size[start:start + 1024, None] + size[None, :] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            jac = np.where(union > 0, inter / union, 0.0)
        rows = np.arange(block.shape[0])
        jac[rows, rows + start] = 0.0
        out[start:start + 1024] = jac.sum(axis=1) / (len(centres) - 1)
    return pd.Series(out, index=centres, name="clone_ness")
