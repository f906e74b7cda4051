"""Map the column names real files use to canonical columns.

The alias table below is the documented list (the README prints it). Names are compared
after :func:`normalise`: lower case, with everything but letters and digits removed, so
``Hourly_Counts``, ``hourly counts`` and ``HourlyCounts`` are one name.
"""

from __future__ import annotations

import re

#: Coordinate roles (not layer columns): where a point's position comes from.
COORD_ALIASES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "y", "ycoord", "lat_wgs84", "wgs84lat", "latdd"),
    "lon": ("lon", "lng", "long", "longitude", "x", "xcoord", "lon_wgs84", "wgs84lon", "londd"),
    "easting": ("easting", "eastings", "east", "osgbeasting", "bngeasting", "xbng", "grideasting"),
    "northing": ("northing", "northings", "north", "osgbnorthing", "bngnorthing", "ybng", "gridnorthing"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "shape"),
}

#: Canonical column -> the names files use for it, per layer ("*" for every layer).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "*": {
        "name": ("name", "tradingname", "trading_name", "businessname", "premisesname", "sitename",
                 "site_name", "library_name", "libraryname", "title", "comments", "occupier", "tenant", "shop_name",
                 "store_name"),
        "centre_id": ("centre_id", "centreid", "centre", "center_id", "towncentre", "town_centre_id",
                      "tc2004_id", "rc_id", "rcid"),
        "source": ("source",),
        "street": ("street", "addrstreet", "addr:street", "streetname", "road", "address_1", "address1",
                   "address_street"),
    },
    "centres": {
        "centre_id": ("centre_id", "centreid", "id", "code", "rc_id", "rcid", "tc2004_id", "tcid", "fid"),
        "name": ("name", "centre_name", "centrename", "rc_name", "rcname", "town", "townname", "label"),
        "population": ("population", "pop", "residents"),
        "region": ("region", "regionnm", "regionname", "local_authority", "lad", "ladnm", "county"),
        "typology": ("typology", "classification", "classifica", "type", "hierarchy", "centre_type",
                     "rank", "groupname"),
    },
    "units": {
        "unit_id": ("unit_id", "unitid", "id", "urn", "uprn", "osm_id", "osmid", "premises_id", "ref", "rates_code",
                    "location_code", "property_reference", "ba_reference"),
        "category": ("category", "our_category"),
        "source_category": ("source_category", "shop", "amenity", "type", "use", "shop_type", "shoptype",
                            "business_type", "businesstype", "classification", "voa_description",
                            "description", "primary_description", "scat", "use_class", "activity"),
        "ownership": ("ownership", "independent_or_chain", "chain_or_independent", "indep_chain", "owner_type",
                      "independent", "chain"),
        "brand": ("brand", "chain_name"),
        "brand_wikidata": ("brand_wikidata", "brand:wikidata", "brandwikidata"),
        "status": ("status", "occupancy", "occupied", "vacant", "vacancy", "state", "occupation_state",
                   "occupancy_status", "occupied_status", "vacancy_status", "occupation_status"),
        "observed_on": ("observed_on", "survey_date", "surveydate", "date", "observed", "check_date",
                        "surveyed_on", "surveyed", "date_surveyed", "date_of_survey", "visit_date", "visited_on",
                        "period", "quarter", "snapshot_date"),
        "vacant_since": ("vacant_since", "vacantsince", "empty_since", "date_vacant"),
    },
    "footfall_sites": {
        "site_id": ("site_id", "siteid", "sensor_id", "sensorid", "location_code", "locationcode", "camera_id",
                    "counter_id", "id", "code", "sensor_name"),
        "name": ("name", "site_name", "sensor_description", "location_name", "locationname", "description",
                 "location"),
    },
    "footfall_counts": {
        "site_id": ("site_id", "siteid", "sensor_id", "sensorid", "location_code", "locationcode", "sensor",
                    "sensor_name", "locationname", "location_name", "location", "site", "camera", "counter"),
        "timestamp": ("timestamp", "datetime", "date_time", "time", "date"),
        "hour": ("hour", "hourofday", "hour_of_day", "time_of_day"),
        "count": ("count", "counts", "hourly_counts", "hourlycounts", "hourly_count", "incount", "in_count",
                  "footfall", "daily_in_count", "dailyincount", "value", "total", "pedestrians", "visits"),
        "interval": ("interval", "period"),
        "direction": ("direction", "dir"),
        "factored": ("factored", "estimated", "imputed"),
    },
    "assets": {
        "asset_id": ("asset_id", "assetid", "id", "uprn", "unique_property_reference_number",
                     "os_addressbase_uprn", "osm_id", "ref", "reference"),
        "name": ("name", "asset_name", "site_name", "library_name", "title", "property_name", "building_name"),
        "source_category": ("source_category", "category", "type", "asset_type", "cultural_venue_type",
                            "library_type", "amenity", "use", "leisure", "shop"),
        "acv_status": ("acv_status", "status", "decision", "outcome", "listing_status"),
        "listed_on": ("listed_on", "listing_date", "date_listed", "listed", "date_of_listing"),
        "expires_on": ("expires_on", "expiry_date", "expiry", "date_of_expiry", "expires", "listing_expiry_date",
                       "end_of_listing", "listing_ends", "date_listing_ends"),
        "owner": ("owner", "owner_name", "operator", "property_owner", "landowner", "freeholder"),
        # Assets of Community Value registers (kept as extra columns with these names)
        "nominated_by": ("nominated_by", "nominating_group", "nominating_body", "nominator", "nominating_organisation",
                         "community_group", "nominee_group"),
        "nominated_on": ("nominated_on", "nomination_date", "date_nominated", "date_of_nomination",
                         "nomination_received", "date_received", "date_nomination_received"),
        "decided_on": ("decided_on", "decision_date", "date_of_decision", "date_decided"),
        "description": ("description", "asset_description", "property_description", "details"),
        "address": ("address", "full_address", "property_address", "site_address", "asset_address"),
    },
}


def normalise(name: str) -> str:
    """Lower-case `name` and drop everything but letters and digits."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def aliases_for(layer: str) -> dict[str, tuple[str, ...]]:
    """The alias table for `layer`: its own entries first, then the shared ones."""
    table = dict(ALIASES.get(layer, {}))
    for col, names in ALIASES["*"].items():
        table.setdefault(col, names)
    return table


def match_columns(columns: list[str], layer: str, user_map: dict[str, str] | None = None) -> dict[str, str]:
    """Decide which input column feeds each canonical column and coordinate role.

    Parameters
    ----------
    columns : list of str
        Input column names, in file order.
    layer : str
        Canonical layer name.
    user_map : dict, optional
        Input column -> canonical column or role chosen by a person; wins over aliases.
        Map a column to ``""`` or ``"ignore"`` to leave it out.

    Returns
    -------
    dict
        Canonical column or coordinate role -> input column.
    """
    user_map = {k: v for k, v in (user_map or {}).items() if k in columns}
    chosen: dict[str, str] = {v: k for k, v in user_map.items() if v and v != "ignore"}
    taken = set(user_map)
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise(col), col)
    table = {**aliases_for(layer), **COORD_ALIASES}
    # An exact canonical name beats an alias anywhere in the table.
    for target in table:
        col = by_norm.get(normalise(target))
        if target not in chosen and col and col not in taken:
            chosen[target] = col
            taken.add(col)
    for target, names in table.items():
        if target in chosen:
            continue
        for alias in names:
            col = by_norm.get(normalise(alias))
            if col and col not in taken:
                chosen[target] = col
                taken.add(col)
                break
    return chosen
