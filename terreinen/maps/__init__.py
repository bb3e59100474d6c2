"""Web maps: :mod:`.data` turns parcels and figures into the page's data (numbers and plain
strings only), :mod:`.page` puts them into the fixed page of ``templates/`` without any
template engine."""

from terreinen.maps.page import (
    ASSET_FILES,
    STATES,
    TILES,
    MapPage,
    content_policy,
    encode_geometries,
    find_map,
    municipality_map,
    overview_map,
    parcel_states,
    save_map,
    tile_providers,
)

__all__ = [
    "ASSET_FILES",
    "STATES",
    "TILES",
    "MapPage",
    "content_policy",
    "encode_geometries",
    "find_map",
    "municipality_map",
    "overview_map",
    "parcel_states",
    "save_map",
    "tile_providers",
]
