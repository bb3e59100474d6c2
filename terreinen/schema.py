"""The data contract (docs/data-model.md) as constants: columns, categories, aliases."""

from __future__ import annotations

import re

STATUSES = (
    "terstond_uitgeefbaar",
    "niet_terstond_uitgeefbaar",
    "optie",
    "uitgegeven",
    "niet_uitgeefbaar",
)
UNSOLD_STATUSES = ("terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie")
HARD_PHASES = (1, 2)
SOFT_PHASES = (3, 4, 5)
PLAN_PHASES = {
    1: "onherroepelijk plan",
    2: "vastgesteld plan",
    3: "ontwerpplan",
    4: "in omgevingsvisie/structuurvisie",
    5: "intentie/ruimtelijke verkenning",
}
MILIEUCATEGORIEEN = ("1", "2", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3", "6")
SEGMENTS = ("gemengd", "zwaar", "logistiek", "woon_werk", "haven", "kantoor", "detailhandel")
OWNERS = ("gemeente", "particulier")

REQUIRED_COLUMNS = (
    "kavel_id",
    "terrein",
    "gemeente",
    "provincie",
    "status",
    "planfase",
    "milieucategorie",
    "segment",
)
#: Optional columns. ``kern`` (town), ``opmerking`` (notes) and ``opgegeven_ha`` (an area
#: stated in the source file) are terreinen's additions to the contract (docs/data-model.md).
OPTIONAL_COLUMNS = (
    "rin_nummer",
    "kern",
    "eigenaar",
    "uitgiftedatum",
    "prijs_m2",
    "laatst_bijgewerkt",
    "opmerking",
    "opgegeven_ha",
)
DATE_COLUMNS = ("uitgiftedatum", "laatst_bijgewerkt")
TEXT_COLUMNS = ("kavel_id", "terrein", "gemeente", "provincie", "rin_nummer", "kern", "opmerking")

CAPACITY_COLUMNS = (
    "gebied",
    "n_kavels",
    "bruto_ha",
    "netto_ha",
    "uitgegeven_ha",
    "optie_ha",
    "terstond_ha",
    "niet_terstond_ha",
    "hard_ha",
    "zacht_ha",
    "grootste_kavel_ha",
    "uitgifte_ha_per_jaar",
    "voorraad_jaren_hard",
)

AGREEMENT_COLUMNS = (
    "afspraak_id",
    "gebied",
    "niveau",
    "segment",
    "plancapaciteit",
    "max_ha",
    "periode_start",
    "periode_eind",
    "bron",
)
#: Optional columns of agreements as they are written: the parks they count (names or RIN
#: numbers separated by ``;``), what they count (``grondslag``) and which way they bind (``soort``).
AGREEMENT_OPTIONAL_COLUMNS = ("terreinen", "grondslag", "soort")
AGREEMENT_BASES = ("voorraad", "toevoeging")
AGREEMENT_KINDS = ("maximum", "minimum")
AGREEMENT_LEVELS = ("gemeente", "regio", "provincie")
CAPACITY_KINDS = ("hard", "zacht", "totaal")
REGION_COLUMNS = ("gemeente", "provincie", "regio")

#: Column names as they appear in IBIS exports and in English, by their contract name.
#: Names are compared after ``normalise_name`` (lower case, separators to ``_``).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "kavel_id": ("kavelid", "kavel", "kavelnummer", "kavel_nr", "parcel_id", "parcelid", "parcel"),
    "terrein": (
        "plan_naam",
        "plannaam",
        "bedrijvent",
        "bedrijventerrein",
        "terreinnaam",
        "park",
        "park_name",
        "business_park",
    ),
    "rin_nummer": ("rinnummer", "rin", "rin_nr", "rin_number", "terreinid"),
    "gemeente": ("gemeentenaam", "gem_naam", "municipality"),
    "provincie": ("provincienaam", "prov_naam", "province"),
    "kern": ("plaats", "woonplaats", "town", "place"),
    "status": ("uitgiftestatus", "kavelstatus", "sale_status"),
    "planfase": ("plan_fase", "fase", "planstatus", "plan_phase", "phase"),
    "milieucategorie": (
        "max_milieucategorie",
        "maxmilieucategorie",
        "max_milieucat",
        "milieucat",
        "milieu_categorie",
        "env_category",
        "environmental_category",
    ),
    "segment": ("werklocatietype", "werklocatie", "business_segment"),
    "eigenaar": ("eigenaartype", "eigendom", "owner", "ownership"),
    "uitgiftedatum": ("uitgifte_datum", "datum_uitgifte", "sale_date", "date_sold", "sold_on"),
    "prijs_m2": ("prijs", "prijs_per_m2", "grondprijs", "price_m2", "price_per_m2", "price"),
    "laatst_bijgewerkt": (
        "bijgewerkt",
        "mutatiedatum",
        "datummutatie",
        "last_updated",
        "updated",
        "updated_on",
    ),
    "opmerking": ("opmerkingen", "toelichting", "notes", "note", "remarks", "comment"),
    "opgegeven_ha": ("oppervlakte_ha", "opp_ha", "area_ha", "size_ha"),
}
#: Stated areas given in square metres, converted to ``opgegeven_ha``.
AREA_M2_ALIASES = ("oppervlakte_m2", "opp_m2", "area_m2", "kaveloppervlak")

#: Unambiguous other spellings of category values (after ``normalise_value``).
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "status": {
        "verkocht": "uitgegeven",
        "sold": "uitgegeven",
        "issued": "uitgegeven",
        "terstond": "terstond_uitgeefbaar",
        "direct_uitgeefbaar": "terstond_uitgeefbaar",
        "immediately_available": "terstond_uitgeefbaar",
        "niet_terstond": "niet_terstond_uitgeefbaar",
        "not_immediately_available": "niet_terstond_uitgeefbaar",
        "in_optie": "optie",
        "gereserveerd": "optie",
        "option": "optie",
        "reserved": "optie",
        "not_for_sale": "niet_uitgeefbaar",
        # provincial IBIS parcel registrations: land that is not for business use
        "woonbebouwing": "niet_uitgeefbaar",
        "openbare_ruimte": "niet_uitgeefbaar",
    },
    "segment": {
        "woonwerk": "woon_werk",
        "woon_werkkavel": "woon_werk",
        "woon_werkkavels": "woon_werk",
        "live_work": "woon_werk",
        "mixed": "gemengd",
        "heavy": "zwaar",
        "zware_industrie": "zwaar",
        "logistics": "logistiek",
        "port": "haven",
        "office": "kantoor",
        "kantoren": "kantoor",
        "retail": "detailhandel",
    },
    "eigenaar": {
        "gemeentelijk": "gemeente",
        "municipal": "gemeente",
        "municipality": "gemeente",
        "prive": "particulier",
        "private": "particulier",
    },
    "plancapaciteit": {"harde": "hard", "zachte": "zacht", "soft": "zacht", "total": "totaal"},
    "niveau": {"municipality": "gemeente", "region": "regio", "province": "provincie"},
    "grondslag": {"stock": "voorraad", "addition": "toevoeging", "toename": "toevoeging"},
    "soort": {"max": "maximum", "min": "minimum", "plafond": "maximum"},
    "planfase": {
        "onherroepelijk": "1",
        "onherroepelijk_plan": "1",
        "vastgesteld": "2",
        "vastgesteld_plan": "2",
        "ontwerp": "3",
        "ontwerpplan": "3",
        "omgevingsvisie": "4",
        "structuurvisie": "4",
        "intentie": "5",
        "ruimtelijke_verkenning": "5",
        # provincial IBIS parcel registrations write the plan's state in words
        "vastgesteld_en_onherroepelijk_bestemmingsplan": "1",
        "onherroepelijk_bestemmingsplan": "1",
        "vastgesteld_bestemmingsplan": "2",
        "ontwerp_bestemmingsplan": "3",
        "ontwerpbestemmingsplan": "3",
    },
}
#: Values that say the data do not know (the provincial IBIS parcel registrations write
#: ``Niet bekend``): read as unknown, never as a guess. Compared after ``normalise_value``.
UNKNOWN_VALUES: dict[str, tuple[str, ...]] = {"status": ("niet_bekend", "onbekend", "unknown")}

CATEGORY_VALUES: dict[str, tuple[str, ...]] = {
    "status": STATUSES,
    "milieucategorie": MILIEUCATEGORIEEN,
    "segment": SEGMENTS,
    "eigenaar": OWNERS,
    "planfase": tuple(str(phase) for phase in PLAN_PHASES),
    "niveau": AGREEMENT_LEVELS,
    "plancapaciteit": CAPACITY_KINDS,
    "grondslag": AGREEMENT_BASES,
    "soort": AGREEMENT_KINDS,
}


def normalise_name(name: str) -> str:
    """Column name as compared with the aliases: lower case, separators to ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def normalise_value(value: str) -> str:
    """Category value spelled canonically where only case, spaces or a decimal comma differ."""
    text = re.sub(r"[\s\-/]+", "_", str(value).strip().lower()).replace(",", ".")
    if re.fullmatch(r"\d+\.0+", text):  # 2.0 from a numeric column means 2
        text = text.split(".")[0]
    return text


def alias_lookup() -> dict[str, str]:
    """Map of every known (normalised) column name to its contract name."""
    lookup = {name: name for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    for canonical, aliases in COLUMN_ALIASES.items():
        lookup.update(dict.fromkeys(aliases, canonical))
    # Shapefiles cut field names to 10 characters: "milieucategorie" arrives as "milieucate"
    truncated: dict[str, set[str]] = {}
    for name, canonical in lookup.items():
        if len(name) > 10:
            truncated.setdefault(name[:10], set()).add(canonical)
    for short, canonicals in truncated.items():
        if len(canonicals) == 1 and short not in lookup:
            lookup[short] = canonicals.pop()
    return lookup
