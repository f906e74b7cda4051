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

from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .ownership import name_key

if TYPE_CHECKING:
    from scipy import sparse

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


def centre_index(units: pd.DataFrame, by: str = "centre_id") -> pd.Index:
    """The centres the similarities are computed over: every centre of `units`, sorted."""
    return pd.Index(sorted(units[by].dropna().astype("string").unique()), name="centre")


_centres = centre_index


def _incidence(table: pd.DataFrame, rows: pd.Index, col: str, weight: str | None = None) -> sparse.csr_matrix:
    from scipy import sparse  # only where a matrix is made: the pages that show no similarity never import SciPy

    r = positions(table["centre"], rows)
    # the columns in sorted order, as np.unique gives them (hashing first: sorting every row's text was slow)
    values = table[col].to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, sort=False)
    if (codes < 0).any():  # a missing value: as np.unique takes it
        cols, c = np.unique(values, return_inverse=True)
    else:
        order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        cols, c = np.asarray(uniques, dtype=object)[order], rank[codes]
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
                        centres: pd.Index | None = None, index: "SimilarityIndex | None" = None) -> pd.DataFrame:
    """:func:`most_similar` from stored tables: a :func:`brand_table` and a :func:`category_long`.

    Only the chosen centre's row of the similarity matrices is computed, so the cost
    grows with the number of centres, not its square. `index`, the
    :func:`similarity_index` of the same tables, saves building the matrices again
    (the same figures).
    """
    index = similarity_index(brands, mix, centres) if index is None else index
    return index.most_similar(centre, n=n)


@dataclass(frozen=True)
class SimilarityIndex:
    """The brand and shop-mix matrices of every centre, made once, for :func:`most_similar_tables`.

    Made by :func:`similarity_index`; read-only.
    """

    centres: pd.Index
    brands: sparse.csr_matrix | None  # centres by brand keys (None: no brand at all)
    brand_sizes: np.ndarray | None  # brands per centre
    mix: sparse.csr_matrix | None  # centres by shop types, units
    mix_norms: np.ndarray | None
    table: pd.DataFrame  # the brand table
    row_order: np.ndarray  # its rows' positions, by centre
    row_starts: np.ndarray  # where each centre's rows start in `row_order` (one more than centres)

    def _rows(self, i: int) -> np.ndarray:
        return self.row_order[self.row_starts[i]:self.row_starts[i + 1]]

    def most_similar(self, centre: str, *, n: int = 5) -> pd.DataFrame:
        """:func:`most_similar_tables` of `centre`."""
        centres = self.centres
        if centre not in centres:
            raise KeyError(f"no centre {centre!r}; centres: {', '.join(centres[:10])}")
        i = centres.get_loc(centre)
        cols = ["centre", "brand_jaccard", "shared_brands", "brands_in_common", "category_cosine"]
        if self.brands is None:
            jac = np.full(len(centres), np.nan)
        else:
            m, size = self.brands, self.brand_sizes
            inter = (m @ m[i].T).toarray().ravel()
            union = size + size[i] - inter
            with np.errstate(invalid="ignore", divide="ignore"):
                jac = np.where(union > 0, inter / union, np.nan)
        if self.mix is None:
            cos = np.full(len(centres), np.nan)
        else:
            c, norm = self.mix, self.mix_norms
            dot = (c @ c[i].T).toarray().ravel()
            with np.errstate(invalid="ignore", divide="ignore"):
                cos = dot / (norm * norm[i])
            cos[~np.isfinite(cos)] = np.nan
        out = pd.DataFrame({"centre": centres, "brand_jaccard": jac, "category_cosine": cos})
        out = out[out["centre"] != centre]
        out = out.sort_values(["brand_jaccard", "category_cosine"], ascending=False, na_position="last")
        out = out.head(n)
        # the brands in common of the centres shown (from their rows of the brand table alone)
        table = self.table
        mine = table.iloc[self._rows(i)].set_index("brand_key")["brand"]
        shown = np.concatenate([self._rows(j) for j in centres.get_indexer(out["centre"])] or [self._rows(i)[:0]])
        others = table.iloc[np.sort(shown)]
        others = others[others["brand_key"].isin(mine.index)]
        shared = others.groupby("centre")["brand_key"].agg(lambda s: "; ".join(sorted(mine[k] for k in s)))
        out["brands_in_common"] = out["centre"].map(shared).fillna("")
        out["shared_brands"] = out["centre"].map(others.groupby("centre").size()).fillna(0).astype(int)
        return out[cols].reset_index(drop=True)


def similarity_index(brands: pd.DataFrame, mix: pd.DataFrame, centres: pd.Index | None = None) -> SimilarityIndex:
    """The matrices :func:`most_similar_tables` reads, of a :func:`brand_table` and a :func:`category_long`.

    `centres`: the centres compared (default: every centre of either table, sorted).
    Made once per workspace version by the app, so a page asks for one centre's most
    similar centres without building the matrices of every centre again.
    """
    if centres is None:
        centres = pd.Index(sorted(set(_plain(brands["centre"].dropna().unique()))
                                  | set(_plain(mix["centre"].dropna().unique()))), name="centre")
    m = size = c = norm = None
    if not brands.empty:
        m = _incidence(brands, centres, "brand_key")
        size = np.asarray(m.sum(axis=1)).ravel()
    if not mix.empty:
        c = _incidence(mix, centres, "category", weight="units")
        norm = np.sqrt(np.asarray(c.multiply(c).sum(axis=1)).ravel())
    rows = positions(brands["centre"], centres)
    order = np.argsort(rows, kind="stable")
    starts = np.searchsorted(rows[order], np.arange(len(centres) + 1))
    return SimilarityIndex(centres=centres, brands=m, brand_sizes=size, mix=c, mix_norms=norm, table=brands,
                           row_order=order, row_starts=starts)


def clone_ness_tables(brands: pd.DataFrame, centres: pd.Index) -> pd.Series:
    """:func:`clone_ness` from a :func:`brand_table` (through :func:`clone_sums`)."""
    return clone_ness_from_sums(clone_sums(brands, centres), centres)


#: Rows of the pair matrix computed at once (memory bounded by the block).
BLOCK = 1024
SUM_COLUMNS = ["centre", "union", "shared"]


def _brand_matrix(pairs: pd.DataFrame, centres: pd.Index, keys: pd.Index):
    """Sparse 0/1 matrix of centres (rows) by brand keys (columns) of ``centre``, ``brand_key`` pairs.

    float32: exact for counts below 2**24.
    """
    from scipy import sparse

    from .ownership import _distinct

    rows = positions(pairs["centre"], centres)
    cols = positions(pairs["brand_key"], keys)
    ok = (rows >= 0) & (cols >= 0)
    cells = _distinct(rows[ok].astype(np.int64) * max(len(keys), 1) + cols[ok])  # a pair given twice is one 1
    r, c = np.divmod(cells, max(len(keys), 1))
    return sparse.csr_matrix((np.ones(len(cells), dtype=np.float32), (r, c)), shape=(len(centres), len(keys)))


def positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``index.get_indexer(values)``, each distinct value looked up once (-1: missing or not in `index`).

    >>> positions(pd.Series(["b", "a", None, "b", "z"]), pd.Index(["a", "b"])).tolist()
    [1, 0, -1, 1, -1]
    """
    codes, uniques = pd.factorize(values)
    where = np.append(index.get_indexer(uniques), -1)  # code -1 (missing) takes the last: -1
    return where[codes]


def _plain(values) -> np.ndarray:
    """Text as a NumPy object array (fast to hash and compare)."""
    return np.asarray(pd.Series(values).astype(object).to_numpy(), dtype=object)


def _pair_sums(left, right, skip: np.ndarray | None, width: int) -> np.ndarray:
    """For each row of `left`: shared brands with each row of `right`, summed by the size of the union.

    `left`, `right`: :func:`_brand_matrix` matrices. `skip` gives, for each row of `left`,
    the row of `right` left out (itself; -1 none). Returns an integer matrix, rows of
    `left` by union size (``width`` columns).

    The brands in common are counted by a sparse product (a centre has a few dozen brands
    of thousands); the pairs are then counted by the size of the other centre and the
    brands in common, from which the union follows (every sum a whole number: exact).
    """
    from scipy import sparse

    out = np.zeros((left.shape[0], width), dtype=np.int64)
    if not left.shape[0] or not right.shape[0]:
        return out
    size_r = np.asarray(right.sum(axis=1)).ravel().astype(np.int64)
    size_l = np.asarray(left.sum(axis=1)).ravel().astype(np.int64)
    # the other centres by size: the union of a pair is size_l + size - shared
    sizes, group = np.unique(size_r, return_inverse=True)
    top = int(min(size_l.max(), size_r.max())) + 1  # brands in common: 0 .. top - 1
    shared = np.arange(top)
    bins = len(sizes) * top  # per row of `left`: (size group, brands in common)
    column_bin = group.astype(np.int64) * top
    sparse_left = sparse.csr_matrix(left)
    right_t = sparse.csr_matrix(right).T
    if left.shape[0] >= right.shape[0]:  # many rows against few: the few made dense once
        right_t = right_t.toarray()
    for start in range(0, left.shape[0], BLOCK):
        inter = sparse_left[start:start + BLOCK] @ right_t
        inter = inter.toarray() if sparse.issparse(inter) else inter
        n = len(inter)
        rows = np.arange(n)
        if skip is not None:
            own = skip[start:start + BLOCK]
            inter[rows[own >= 0], own[own >= 0]] = 0.0
        key = inter.astype(np.int64)
        key += column_bin[None, :]
        key += (rows * bins)[:, None]
        pairs = np.bincount(key.ravel(), minlength=n * bins).reshape(n, len(sizes), top)
        union = size_l[start:start + n, None, None] + sizes[None, :, None] - shared[None, None, :]
        # bins of more brands in common than either centre has are empty: kept in the row's range
        union = np.maximum(union, 0) + (rows * width)[:, None, None]
        out[start:start + n] = np.bincount(union.ravel(), weights=(pairs * shared).ravel(),
                                           minlength=n * width).reshape(n, width)
    return out


def _to_long(sums: np.ndarray, centres: pd.Index) -> pd.DataFrame:
    r, b = np.nonzero(sums)
    return pd.DataFrame({"centre": pd.array(_plain(centres)[r], dtype="string"),
                         "union": b.astype(np.int64), "shared": sums[r, b].astype(np.int64)})


def _to_dense(sums: pd.DataFrame, centres: pd.Index, width: int) -> np.ndarray:
    out = np.zeros((len(centres), width), dtype=np.int64)
    rows = positions(sums["centre"], pd.Index(_plain(centres)))
    ok = rows >= 0
    out[rows[ok], sums["union"].to_numpy(dtype=np.int64)[ok]] = sums["shared"].to_numpy(dtype=np.int64)[ok]
    return out


def clone_sums(brands: pd.DataFrame, centres: pd.Index) -> pd.DataFrame:
    """What clone-ness is computed from: each centre's brands in common with every other centre.

    For each centre and each size of the union of its brand set with another centre's
    (``union``), ``shared``: the brands in common summed over those other centres. The
    centre's Jaccard similarities to the others add up to ``sum(shared / union)``; sums
    of whole numbers are exact, so :func:`update_clone_sums` after a change of a few
    centres gives the same table as computing it afresh.

    Returns
    -------
    DataFrame
        ``centre``, ``union``, ``shared`` (rows with ``shared > 0``), sorted by centre and union.
    """
    if brands.empty or len(centres) < 2:
        return _to_long(np.zeros((0, 1), dtype=np.int64), centres[:0])
    pairs = pd.DataFrame({"centre": _plain(brands["centre"]), "brand_key": _plain(brands["brand_key"])})
    keys = pd.Index(pd.unique(pairs["brand_key"]))
    m = _brand_matrix(pairs, pd.Index(_plain(centres)), keys)
    width = 2 * int(m.sum(axis=1).max()) + 1
    return _to_long(_pair_sums(m, m, np.arange(len(centres)), width), centres)


def update_clone_sums(sums: pd.DataFrame, before: pd.DataFrame, brands: pd.DataFrame,
                      centres: pd.Index, changed: list[str] | None = None) -> pd.DataFrame:
    """:func:`clone_sums` of `brands` from the sums of an earlier brand table `before`.

    Only the centres whose brand set changed (or that came or went) are compared with
    every other; the others' sums change by their pairs with those centres. `changed`:
    those centres, when known (any centre besides them must have the same brands in both
    tables, and no centre of `sums` may be gone).
    """
    if brands.empty or len(centres) < 2:
        return clone_sums(brands, centres)
    centres = pd.Index(_plain(centres), name=centres.name)
    new = pd.DataFrame({"centre": _plain(brands["centre"]), "brand_key": _plain(brands["brand_key"])})
    if changed is None:
        old = pd.DataFrame({"centre": _plain(before["centre"]), "brand_key": _plain(before["brand_key"])})
        pairs = pd.concat([old, new], ignore_index=True)
        # centres with a brand in one table only, and centres that are gone (their pairs with others removed)
        diff = pairs[~pairs.duplicated(keep=False)]
        gone = pd.Index(pd.unique(_plain(sums["centre"]))).difference(centres)
        changed = pd.Index(pd.unique(diff["centre"])).union(gone)
    else:
        old = before[before["centre"].astype("string").isin(changed).fillna(False).to_numpy()]
        old = pd.DataFrame({"centre": _plain(old["centre"]), "brand_key": _plain(old["brand_key"])})
        changed = pd.Index(sorted(changed), dtype=object)
        pairs = pd.concat([old, new], ignore_index=True)
    if len(changed) > len(centres) // 4:
        return clone_sums(brands, centres)
    keys = pd.Index(pd.unique(pairs["brand_key"]))
    m = _brand_matrix(new, centres, keys)
    idx = changed
    m_new = _brand_matrix(new[new["centre"].isin(idx)], idx, keys)
    m_old = _brand_matrix(old[old["centre"].isin(idx)], idx, keys)
    most = max(float(m.sum(axis=1).max()), float(m_old.sum(axis=1).max()) if len(idx) else 0.0)
    width = max(2 * int(most) + 1, int(sums["union"].max()) + 1 if len(sums) else 1)
    dense = _to_dense(sums, centres, width)
    # every centre's pairs with the changed ones: the old pairs out, the new ones in
    dense -= _pair_sums(m, m_old, None, width)
    dense += _pair_sums(m, m_new, None, width)
    # the changed centres still there: compared with every other afresh
    here = centres.get_indexer(idx)
    rows = here[here >= 0]
    if len(rows):
        dense[rows] = _pair_sums(m[rows], m, rows, width)
    return _to_long(dense, centres)


def clone_ness_from_sums(sums: pd.DataFrame, centres: pd.Index) -> pd.Series:
    """Each centre's mean Jaccard similarity to the other centres from :func:`clone_sums`.

    The terms ``shared / union`` are added in order of ``union``, so the result depends on
    the sums only, not on how they were reached.
    """
    if len(centres) < 2:
        return pd.Series(np.nan, index=centres, name="clone_ness", dtype=float)
    width = int(sums["union"].max()) + 1 if len(sums) else 1
    dense = _to_dense(sums, centres, width).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(dense > 0, dense / np.arange(width)[None, :], 0.0)
    total = np.cumsum(terms, axis=1)[:, -1]
    return pd.Series(total / (len(centres) - 1), index=centres, name="clone_ness")
