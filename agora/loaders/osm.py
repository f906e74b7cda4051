"""OpenStreetMap data in the shapes people export it, turned into one column per tag.

Exporters differ in where they put an element's tags:

* flat properties (``shop``, ``name``, ``addr:street``...), as Overpass Turbo's GeoJSON export
  and most city portals write them: nothing to do;
* a nested ``tags`` object (osmtogeojson, some portals), beside the element's ``type``
  (``node``/``way``/``relation``) and ``id``;
* a ``tags`` column holding JSON text (the same exports saved as CSV);
* an ``other_tags`` column holding HStore text (``"shop"=>"bakery","brand"=>"Greggs"``),
  written by GDAL's OSM driver (``ogr2ogr`` from a ``.osm.pbf``);
* Overpass JSON (``{"elements": [...]}``, read in :mod:`agora.loaders.read`);
* ``.osm.pbf`` (and ``.osm`` XML) extracts, read with pyosmium.

:func:`expand_tags` makes every tag a column so that the alias table and the normalisers
see ``shop``, ``amenity``, ``name``, ``brand``, ``brand:wikidata``, ``addr:*``,
``disused:shop`` and ``vacant`` whatever the shape. The element type is renamed
``osm_type`` so that it is never read as the kind of shop.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .report import LoadError

#: OSM element types: a column holding only these is the element type, not a use.
ELEMENT_TYPES = frozenset({"node", "way", "relation", "area", "n", "w", "r"})
#: Keys that make an element a premises or an amenity worth reading from an extract.
POI_KEYS = ("shop", "amenity", "office", "craft", "leisure", "tourism", "healthcare", "disused:shop",
            "vacant:shop", "was:shop", "disused:amenity")
#: Column names that hold a whole tag set.
TAG_COLUMNS = ("tags", "other_tags", "@tags")

_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*(?:"((?:[^"\\]|\\.)*)"|NULL)')


def parse_hstore(text: object) -> dict[str, str]:
    """Tags of an HStore string (GDAL's ``other_tags``): ``'"a"=>"1","b"=>"2"'`` -> ``{"a": "1", "b": "2"}``."""
    if not isinstance(text, str) or "=>" not in text:
        return {}
    out = {}
    for key, value in _HSTORE.findall(text):
        out[key.replace('\\"', '"').replace("\\\\", "\\")] = value.replace('\\"', '"').replace("\\\\", "\\")
    return out


def parse_tags(value: object) -> dict[str, str]:
    """A tag set from a dict, a JSON object string or an HStore string; ``{}`` otherwise."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if v is not None and not isinstance(v, (dict, list))}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                return {}
            return parse_tags(parsed) if isinstance(parsed, dict) else {}
        return parse_hstore(text)
    return {}


def expand_tags(table: pd.DataFrame, notes: list[str] | None = None) -> pd.DataFrame:
    """Spread tag-set columns into one column per tag and rename the OSM element type.

    Parameters
    ----------
    table : DataFrame or GeoDataFrame
        A table as read from a file.
    notes : list of str, optional
        Receives a line saying what was done.

    Returns
    -------
    DataFrame or GeoDataFrame
        The same rows; a tag already present as a column is filled where empty, never
        overwritten.
    """
    notes = notes if notes is not None else []
    for col in [c for c in table.columns if str(c).lower() in TAG_COLUMNS]:
        values = table[col]
        if values.dropna().empty:
            continue
        parsed = [parse_tags(v) for v in values]
        if not any(parsed):
            continue
        tags = pd.DataFrame(parsed, index=table.index)
        table = table.drop(columns=[col])
        for key in tags.columns:
            if key in table.columns:
                table[key] = table[key].where(table[key].notna(), tags[key])
            else:
                table[key] = tags[key]
        notes.append(f"OSM tags in the {col!r} column spread into {len(tags.columns)} columns")
    return rename_element_type(table, notes)


def rename_element_type(table: pd.DataFrame, notes: list[str] | None = None) -> pd.DataFrame:
    """Rename a ``type`` (or ``@type``) column that holds OSM element types to ``osm_type``."""
    for col in [c for c in table.columns if str(c).lower() in ("type", "@type", "osm_type", "element_type")]:
        text = table[col].dropna().astype(str).str.strip().str.lower()
        if text.empty or not text.isin(ELEMENT_TYPES).all() or col == "osm_type":
            continue
        if "osm_type" in table.columns:
            table = table.drop(columns=[col])
        else:
            table = table.rename(columns={col: "osm_type"})
        if notes is not None:
            notes.append(f"the {col!r} column holds OSM element types (node, way, relation): kept as 'osm_type', "
                         "not read as a use")
    for col in ("@id", "id"):
        if col in table.columns and "osm_id" not in table.columns and "osm_type" in table.columns:
            # node 1 and way 1 are different elements: the id says which ("way/1"), as OSM's own URLs do
            ids = table[col].astype("string")
            bare = ids.notna() & ~ids.str.contains("/", regex=False).fillna(False)
            kind = table["osm_type"].astype("string").str.lower().replace({"n": "node", "w": "way", "r": "relation"})
            table = table.drop(columns=[col])
            table["osm_id"] = ids.where(~bare, kind + "/" + ids)
    return table


def read_osm_file(data: bytes, name: str, fmt: str = "pbf") -> gpd.GeoDataFrame:
    """Tagged premises and amenities of an ``.osm.pbf`` (or ``.osm`` XML) extract.

    Nodes, ways and multipolygon relations carrying one of :data:`POI_KEYS` become one
    row each, with a column per tag, ``osm_type``, ``osm_id`` and a point: the node, the
    mean of a way's vertices, or a point inside a relation's outline.

    Raises
    ------
    LoadError
        When the extract holds no such element.
    """
    import osmium

    rows: list[dict] = []
    xs: list[float] = []
    ys: list[float] = []
    processor = (osmium.FileProcessor(osmium.io.FileBuffer(data, fmt))
                 .with_locations()
                 .with_areas(osmium.filter.KeyFilter(*POI_KEYS))
                 .with_filter(osmium.filter.KeyFilter(*POI_KEYS)))
    nan = float("nan")
    for obj in processor:
        x = y = nan
        if obj.is_area():
            if obj.from_way():
                continue  # the way itself is read below
            rings = [shapely.Polygon([(n.lon, n.lat) for n in outer]) for outer in obj.outer_rings()]
            if rings:
                inside = shapely.MultiPolygon(rings).representative_point()
                x, y = inside.x, inside.y
            kind, ident = "relation", obj.orig_id()
        elif obj.is_node():
            if obj.location.valid():
                x, y = obj.location.lon, obj.location.lat
            kind, ident = "node", obj.id
        elif obj.is_way():
            coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(coords) > 1 and coords[0] == coords[-1]:
                coords = coords[:-1]  # a closed outline: its first vertex once
            if coords:  # the mean of the vertices: inside a building outline, on a line's middle stretch
                x = sum(c[0] for c in coords) / len(coords)
                y = sum(c[1] for c in coords) / len(coords)
            kind, ident = "way", obj.id
        else:
            continue  # relations come back as areas
        row = {("relation_type" if tag.k == "type" else tag.k): tag.v for tag in obj.tags}
        row["osm_type"], row["osm_id"] = kind, f"{kind}/{ident}"
        rows.append(row)
        xs.append(x)
        ys.append(y)
    if not rows:
        raise LoadError(f"{name}: the OSM extract holds no shops or amenities (no element tagged "
                        f"{', '.join(POI_KEYS[:5])}...).")
    table = pd.DataFrame(rows)
    table.insert(0, "_row", range(1, len(table) + 1))
    points = gpd.points_from_xy(xs, ys)
    points[np.isnan(np.asarray(xs, dtype=float))] = None
    return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326")
