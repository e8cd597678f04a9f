"""The built-in demo scenario: "Le Comptoir des Vignes", a Paris wine bar, summer 2026.

Four months of Popina till data (closures with their orders), the bar's Popina catalogue, its
beverage library and a handful of links, written with :func:`write_scenario`. Everything is
deterministic: randomness comes from ``random.Random`` seeded with stable strings (one generator
per phase or per closure, so a change in one place does not reshuffle the rest), ids are
``uuid5`` of stable strings and no wall-clock time is read. Two runs give byte-identical files.

Money conventions (``popina-api.md`` §B/§D, ``domain-rules.md``):

- line ``total`` = quantity x unitPrice, except an offered or loss line (0) and a line discount
  (``x_discounts``); a cancelled line keeps its total but is out of every sum;
- per line ``tax.taxableAmount`` = round-half-up(total / (1 + rate)), ``taxAmount`` = total - it;
- an order-level discount (``x_orderDiscounts``) leaves item totals untouched: the order ``total``
  is the sum of its live item totals minus the discount. For the closure aggregates
  (``reportProducts``, ``reportTaxes``) the discount is spread over the order's lines in
  proportion to their totals (largest remainder), so that they still add up to ``totalSales``;
- a cancelled order keeps its items and would-be total but has no payments and counts nowhere;
- loss lines (``isLoss``) are kept out of ``reportProducts`` (not a sale), offered lines count
  their quantity with zero sales, as in the §D example.

Run ``python -m sommit_pipeline.scenarios.demo OUTDIR`` to write the scenario folder.
"""

from __future__ import annotations

import random
import sys
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sommit_pipeline.scenarios.format import ScenarioMeta, write_scenario

DEMO_FIRST_DAY = date(2026, 6, 1)
DEMO_LAST_DAY = date(2026, 9, 30)
DEMO_TRAINING_DAY = date(2026, 7, 14)

PARIS = ZoneInfo("Europe/Paris")
SEED = "sommit-demo-comptoir-des-vignes-v1"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sommit.example/demo/le-comptoir-des-vignes")
LOCATION_ID = str(uuid.uuid5(NAMESPACE, "location"))

BAR_NAME = "Le Comptoir des Vignes"
DEVICE_NAME = "iPad Bar"
DEVICE_IDENTIFIER = str(uuid.uuid5(NAMESPACE, "device:ipad-bar")).upper()
TRAINING_DEVICE_NAME = "iPad Formation"
INITIAL_CASH = 15000

VAT_ALCOHOL = 2000
VAT_REDUCED = 1000  # food, softs and hot drinks served on site
TAX_NAMES = {VAT_ALCOHOL: "TVA 20", VAT_REDUCED: "TVA 10"}

GLASS_CL = 12
CARAFE_CL = 50
SPIRIT_SERVING_CL = 4


def _id(kind: str, key: str) -> str:
    """A stable uuid for one object of the scenario."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers (no float surprises)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _serving_factor(factor: float) -> str:
    """4 decimals at most, no trailing zeros: 1, 0.16, 0.6667."""
    return f"{factor:.4f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------------------------
# Library: the bar's beverage references
# --------------------------------------------------------------------------------------------

# One line per appellation and colour:
#   appellation | region | colour | purchase cost HT range in euros | producers (cuvée); ...
# a line starting with "+" continues the producers of the line above. Real appellations;
# producers are a mix of real houses and plausible inventions.
WINE_TABLE_TEXT = """
# Bordeaux
Margaux | Bordeaux | red | 28-45 | Château La Gurgue; Château Paveil de Luze
    + Château Deyrem Valentin; Château Marquis de Terme (Les Gondats)
Pauillac | Bordeaux | red | 32-55 | Château Fonbadet; Château Pibran
    + Château Haut-Bages Monpelou
Saint-Julien | Bordeaux | red | 30-45 | Château Glana; Château Lalande-Borie
Saint-Estèphe | Bordeaux | red | 22-35 | Château Le Crock; Château Tour de Pez
Saint-Émilion Grand Cru | Bordeaux | red | 25-45 | Château Fombrauge; Château Laroze
    + Château Grand Corbin; Château Cadet-Bon
Pomerol | Bordeaux | red | 38-60 | Château La Cabanne; Château Bonalgue
Pessac-Léognan | Bordeaux | red | 22-38 | Château Latour-Martillac; Château de Rochemorin
Pessac-Léognan | Bordeaux | white | 24-36 | Château Picque Caillou (Blanc)
Haut-Médoc | Bordeaux | red | 12-20 | Château Lanessan; Château Cambon la Pelouse
    + Château Peyrabon
Bordeaux Supérieur | Bordeaux | red | 7-11 | Château Reignac; Château Penin (Tradition)
    + Château Moulin de Laborde
Côtes de Bourg | Bordeaux | red | 9-14 | Château Roc de Cambes (Domaine de Cambes)
Graves | Bordeaux | white | 10-15 | Château Ferrande
Entre-Deux-Mers | Bordeaux | white | 6-9 | Château Marjosse; Château Turcaud
Sauternes | Bordeaux | white | 20-32 | Château Haut-Bergeron
# Bourgogne
Chablis | Bourgogne | white | 11-16 | Domaine Laroche (Saint Martin); Domaine William Fèvre
    + Domaine Brocard (Sainte Claire); Domaine Pinson
Chablis Premier Cru | Bourgogne | white | 18-28 | Domaine Laroche (Les Vaillons)
    + Domaine Pinson (Montmains); Domaine Long-Depaquit (Vaucoupin)
Meursault | Bourgogne | white | 32-48 | Domaine Michelot; Domaine Ballot-Millot (Les Narvaux)
    + Maison Bouchard Père et Fils
Puligny-Montrachet | Bourgogne | white | 42-60 | Domaine Jean-Marc Boillot
Gevrey-Chambertin | Bourgogne | red | 34-52 | Domaine Rossignol-Trapet
    + Domaine Heresztyn-Mazzini (Vieilles Vignes); Maison Louis Jadot
Nuits-Saint-Georges | Bourgogne | red | 32-48 | Domaine Chevillon
    + Domaine Faiveley (Les Lavières)
Volnay | Bourgogne | red | 34-46 | Domaine Rossignol-Jeanniard
Pommard | Bourgogne | red | 34-46 | Domaine Parent (Les Chanlins)
Mercurey | Bourgogne | red | 13-19 | Domaine Faiveley (La Framboisière); Château de Chamirey
Mercurey | Bourgogne | white | 14-20 | Domaine Michel Juillot
Mâcon-Villages | Bourgogne | white | 8-11 | Domaine Guillot-Broux; Maison Joseph Drouhin
    + Cave de Lugny (Les Charmes)
Pouilly-Fuissé | Bourgogne | white | 18-26 | Domaine Ferret; Château de Fuissé (Tête de Cru)
Bourgogne Hautes-Côtes de Nuits | Bourgogne | red | 12-17 | Domaine Thevenot-Le Brun
    + Domaine Jayer-Gilles
Marsannay | Bourgogne | rose | 11-15 | Domaine Bart
Rully | Bourgogne | white | 14-19 | Domaine Jacqueson (La Pucelle)
Bourgogne Aligoté | Bourgogne | white | 8-11 | Domaine de Villaine
# Rhône
Côtes du Rhône | Vallée du Rhône | red | 6-9 | Domaine de la Janasse (Réserve); Maison Guigal
    + Domaine Gramenon (Poignée de Raisins); Château de Saint-Cosme (Les Deux Albion)
Côtes du Rhône | Vallée du Rhône | white | 7-10 | Domaine de la Janasse (Blanc)
Crozes-Hermitage | Vallée du Rhône | red | 12-18 | Domaine Combier (Laurent Combier)
    + Domaine Alain Graillot; Maison Delas (Les Launes)
Crozes-Hermitage | Vallée du Rhône | white | 13-18 | Domaine Combier (Clos des Grives)
Châteauneuf-du-Pape | Vallée du Rhône | red | 26-42 | Domaine de la Janasse (Tradition)
    + Clos du Mont-Olivet; Domaine du Vieux Lazaret
Châteauneuf-du-Pape | Vallée du Rhône | white | 28-40 | Château Mont-Redon (Blanc)
Gigondas | Vallée du Rhône | red | 17-25 | Domaine Santa Duc (Les Hautes Garrigues)
    + Domaine du Cayron
Vacqueyras | Vallée du Rhône | red | 13-18 | Domaine Le Sang des Cailloux
    + Domaine de la Monardière (Les 2 Monardes)
Saint-Joseph | Vallée du Rhône | red | 16-24 | Domaine Faury; Domaine Courbis (Les Royes)
Cornas | Vallée du Rhône | red | 32-45 | Domaine Vincent Paris (Granit 30)
Condrieu | Vallée du Rhône | white | 34-45 | Domaine Georges Vernay (Les Terrasses)
Tavel | Vallée du Rhône | rose | 10-14 | Château d'Aqueria
Côte-Rôtie | Vallée du Rhône | red | 45-65 | Domaine Jamet
# Loire
Sancerre | Loire | white | 13-18 | Domaine Vacheron (Les Romains)
    + Domaine Henri Bourgeois (La Porte du Caillou); Domaine Alphonse Mellot (La Moussière)
    + Domaine Pierre Martin
Sancerre | Loire | rose | 13-17 | Domaine Vacheron (Rosé)
Sancerre | Loire | red | 15-20 | Domaine Henri Bourgeois (Les Bonnes Bouches)
Pouilly-Fumé | Loire | white | 14-20 | Domaine Didier Dagueneau (Blanc Fumé de Pouilly)
    + Château de Tracy
Muscadet Sèvre et Maine | Loire | white | 6-9 | Domaine de l'Écu (Granite)
    + Domaine Luneau-Papin (Clos des Allées); Château de la Ragotière
Chinon | Loire | red | 9-14 | Domaine Bernard Baudry (Les Granges)
    + Domaine Charles Joguet (Cuvée Terroir); Domaine de la Noblaie
Saumur-Champigny | Loire | red | 9-14 | Domaine Filliatreau (La Grande Vignolle)
    + Château de Villeneuve
Vouvray | Loire | white | 11-16 | Domaine Huet (Le Mont); Domaine du Clos Naudin
Bourgueil | Loire | red | 9-13 | Domaine de la Chevalerie
Savennières | Loire | white | 18-26 | Domaine des Baumard
# Alsace
Alsace | Alsace | white | 9-14 | Domaine Trimbach (Riesling)
    + Domaine Zind-Humbrecht (Riesling Roche Calcaire); Maison Hugel (Riesling Classic)
    + Domaine Weinbach (Gewurztraminer); Domaine Albert Mann (Gewurztraminer)
    + Domaine Ostertag (Pinot Gris Barriques)
Alsace | Alsace | red | 12-17 | Domaine Albert Mann (Pinot Noir)
Alsace Grand Cru Schlossberg | Alsace | white | 24-34 | Domaine Weinbach (Riesling)
# Languedoc
Pic Saint-Loup | Languedoc | red | 11-16 | Domaine de l'Hortus (Bergerie)
    + Château de Lancyre (Vieilles Vignes)
Faugères | Languedoc | red | 10-14 | Domaine Léon Barral
Terrasses du Larzac | Languedoc | red | 13-19 | Mas Jullien (Autour de Jonquières)
    + Domaine de Montcalmès
Corbières | Languedoc | red | 7-10 | Château Ollieux Romanis (Cuvée Classique)
Minervois | Languedoc | red | 7-10 | Château Sainte-Eulalie (La Cantilène)
Picpoul de Pinet | Languedoc | white | 5-7 | Domaine Félines Jourdan; Château de la Mirande
# Provence
Côtes de Provence | Provence | rose | 8-15 | Château Minuty (M de Minuty); Domaine de la Croix
    + Château d'Esclans (Whispering Angel); Château Sainte Marguerite (Symphonie)
Bandol | Provence | red | 20-28 | Domaine Tempier
Bandol | Provence | rose | 15-20 | Domaine de la Bégude
Cassis | Provence | white | 14-19 | Clos Sainte Magdeleine
# Beaujolais
Morgon | Beaujolais | red | 9-14 | Domaine Marcel Lapierre; Domaine Jean Foillard (Côte du Py)
Fleurie | Beaujolais | red | 9-14 | Domaine de la Madone; Domaine Chignard (Les Moriers)
Moulin-à-Vent | Beaujolais | red | 11-16 | Château du Moulin-à-Vent
Juliénas | Beaujolais | red | 9-12 | Domaine de la Vieille Église
Brouilly | Beaujolais | red | 8-11 | Château de la Chaize
Beaujolais-Villages | Beaujolais | red | 6-8 | Domaine Dupeuble
# Sud-Ouest
Cahors | Sud-Ouest | red | 8-14 | Château du Cèdre (Le Cèdre); Clos Triguedina (Le Sid)
Madiran | Sud-Ouest | red | 10-15 | Château Montus
Jurançon | Sud-Ouest | white | 11-15 | Domaine Cauhapé (Chant des Vignes)
Gaillac | Sud-Ouest | red | 7-10 | Domaine Plageoles (Braucol)
Irouléguy | Sud-Ouest | red | 12-16 | Domaine Arretxea (Haitza)
# Champagne and crémants
Champagne | Champagne | sparkling | 24-38 | Maison Billecart-Salmon (Brut Réserve)
    + Maison Ruinart (Blanc de Blancs); Champagne Pierre Gimonnet (Cuis 1er Cru)
    + Maison Laurent-Perrier (Cuvée Rosé); Champagne Pol Roger (Brut Réserve)
    + Champagne Larmandier-Bernier (Millésime)
Crémant de Bourgogne | Bourgogne | sparkling | 8-11 | Maison Louis Bouillot (Perle d'Ivoire)
    + Cave de Lugny (Brut Blanc de Blancs)
Crémant de Loire | Loire | sparkling | 7-10 | Domaine de Langlois-Château (Brut)
    + Maison Bouvet-Ladubay (Saphir)
Crémant d'Alsace | Alsace | sparkling | 8-11 | Domaine Dopff au Moulin (Cuvée Julien)
    + Domaine Pfister (Brut)
"""


def _wine_table() -> list[tuple[str, str, str, tuple[int, int], list[tuple[str, str]]]]:
    """Parse WINE_TABLE_TEXT into (appellation, region, colour, cost range, [(producer, cuvée)])."""
    rows: list[tuple[str, str, str, tuple[int, int], list[tuple[str, str]]]] = []
    for raw in WINE_TABLE_TEXT.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("+"):
            rows[-1][4].extend(_producers(line[1:]))
            continue
        appellation, region, colour, costs, producers = (part.strip() for part in line.split("|"))
        low, high = (int(x) for x in costs.split("-"))
        rows.append((appellation, region, colour, (low, high), _producers(producers)))
    return rows


def _producers(text: str) -> list[tuple[str, str]]:
    found = []
    for entry in text.split(";"):
        producer, _, cuvee = entry.strip().partition(" (")
        found.append((producer, cuvee.rstrip(")")))
    return found


# Non-wine references: (producer, name, format_cl, purchase cost HT cents, sale price TTC cents).
BEERS: tuple[tuple[str, str, str, int, int], ...] = (
    ("Brasserie Kronenbourg", "1664 Blonde fût 30L", "3000", 9600, 54000),
    ("Brasserie Gallia", "Session IPA fût 30L", "3000", 13500, 66000),
    ("Brasserie de la Goutte d'Or", "Château Rouge", "33", 190, 700),
    ("Brasserie du Mont-Blanc", "La Blonde", "33", 150, 650),
    ("Brasserie de Saint-Germain", "Page 24 Réserve Hildegarde", "33", 170, 700),
    ("Brasserie Thiriez", "Étoile du Nord", "33", 180, 700),
    ("Brasserie Castelain", "Ch'ti Ambrée", "33", 150, 650),
    ("Brasserie Lancelot", "Cervoise", "33", 160, 650),
    ("Brasserie Meteor", "Pils", "25", 110, 500),
    ("Brasserie Gallia", "Tonnerre Blanche", "33", 180, 700),
)
SPIRITS: tuple[tuple[str, str, str, int, int], ...] = (
    # (producer, name, appellation, 4 cl serving price TTC cents, cost HT cents of the 70 cl)
    ("Maison Pierre Ferrand", "Cognac 1840", "Cognac", 900, 2900),
    ("Château de Laubade", "Armagnac VSOP", "Bas-Armagnac", 900, 3100),
    ("Distillerie Warenghem", "Armorik Classic", "Whisky de Bretagne", 900, 2800),
    ("Glenmorangie", "The Original 10 ans", "", 1000, 3200),
    ("Rhum J.M", "Rhum Blanc 50°", "Rhum de la Martinique", 800, 2100),
    ("Damoiseau", "Rhum Vieux VO", "Rhum de la Guadeloupe", 900, 2600),
    ("Maison Ferrand", "Citadelle Gin", "", 900, 2500),
    ("Pères Chartreux", "Chartreuse Verte", "", 900, 3300),
    ("Christian Drouin", "Calvados VSOP", "Calvados Pays d'Auge", 900, 3000),
    ("Henri Bardouin", "Pastis", "", 500, 2200),
    ("Massenez", "Poire Williams", "", 900, 3100),
    ("Get 27", "Liqueur de menthe", "", 700, 1400),
)
SOFTS: tuple[tuple[str, str, str, int, int], ...] = (
    ("Evian", "Eau minérale plate", "50", 55, 450),
    ("San Pellegrino", "Eau gazeuse", "100", 110, 750),
    ("Coca-Cola", "Coca-Cola", "33", 70, 450),
    ("Alain Milliat", "Jus d'orange", "33", 130, 550),
    ("Alain Milliat", "Jus de pomme", "33", 120, 550),
    ("Lorina", "Limonade artisanale", "33", 90, 500),
)


@dataclass
class LibraryRef:
    ref_id: str
    kind: str  # wine | beer | spirit | soft
    producer: str
    cuvee: str
    appellation: str
    region: str
    colour: str
    vintage: str
    format_cl: str
    cost_ht: int
    price_ttc: int
    vat_rate: int = VAT_ALCOHOL

    def row(self) -> dict[str, Any]:
        return {
            "library_ref_id": self.ref_id,
            "kind": self.kind,
            "producer": self.producer,
            "cuvee": self.cuvee,
            "appellation": self.appellation,
            "region": self.region,
            "colour": self.colour,
            "vintage": self.vintage,
            "format_cl": self.format_cl,
            "purchase_cost_ht_cents": self.cost_ht,
            "sale_price_ttc_cents": self.price_ttc,
            "vat_rate": self.vat_rate,
        }


def _wine_vintage(rng: random.Random, colour: str, cuvee: str, cost_eur: int) -> str:
    """Whites and rosés are drunk young, big reds a little older; Champagne is mostly NV."""
    if colour == "sparkling":
        return "2015" if "Millésime" in cuvee else ""
    if colour in ("white", "rose"):
        return str(rng.randint(2020, 2023) if cost_eur < 20 else rng.randint(2018, 2022))
    return str(rng.randint(2019, 2022) if cost_eur < 20 else rng.randint(2015, 2020))


def _bottle_price(rng: random.Random, cost_ht: int) -> int:
    """Bar bottle price TTC: about three times the purchase cost HT, in whole euros."""
    return _half_up(cost_ht * rng.randint(290, 340), 100 * 100) * 100


def build_library() -> list[LibraryRef]:
    rng = random.Random(f"{SEED}:library")
    wines: list[LibraryRef] = []
    for appellation, region, colour, (cost_lo, cost_hi), entries in _wine_table():
        for producer, cuvee in entries:
            cost_eur = rng.randint(cost_lo, cost_hi)
            cost_ht = cost_eur * 100 + rng.choice((0, 0, 50, 20, 80))
            wines.append(
                LibraryRef(
                    ref_id="",
                    kind="wine",
                    producer=producer,
                    cuvee=cuvee,
                    appellation=appellation,
                    region=region,
                    colour=colour,
                    vintage=_wine_vintage(rng, colour, cuvee, cost_eur),
                    format_cl="75",
                    cost_ht=cost_ht,
                    price_ttc=_bottle_price(rng, cost_ht),
                )
            )
    wines += _other_vintages(rng, wines) + _other_formats(wines)
    refs = wines + _non_wine_refs()
    for number, ref in enumerate(refs, start=1):
        ref.ref_id = f"LIB-{number:04d}"
    return refs


def _other_vintages(rng: random.Random, wines: list[LibraryRef]) -> list[LibraryRef]:
    """A few wines are held in two vintages: the matcher must pick the right one."""
    picks = [w for w in wines if w.vintage][7::37][:4]
    extra = []
    for wine in picks:
        older = str(int(wine.vintage) - 1)
        extra.append(_variant(wine, vintage=older, cost_ht=wine.cost_ht + rng.choice((0, 100))))
    return extra


def _other_formats(wines: list[LibraryRef]) -> list[LibraryRef]:
    """Magnums and halves of a few wines: separate references (format is part of identity)."""
    by_key = {(w.producer, w.appellation, w.colour): w for w in wines}
    magnums = [
        ("Champagne Pol Roger", "Champagne", "sparkling"),
        ("Château Minuty", "Côtes de Provence", "rose"),
        ("Château Fombrauge", "Saint-Émilion Grand Cru", "red"),
    ]
    halves = [
        ("Domaine Vacheron", "Sancerre", "white"),
        ("Domaine Laroche", "Chablis", "white"),
        ("Château Haut-Bergeron", "Sauternes", "white"),
    ]
    extra = []
    for key in magnums:
        w = by_key[key]
        extra.append(
            _variant(
                w,
                format_cl="150",
                cost_ht=w.cost_ht * 21 // 10,
                price_ttc=_half_up(w.price_ttc * 22, 1000) * 100,
            )
        )
    for key in halves:
        w = by_key[key]
        extra.append(
            _variant(
                w,
                format_cl="37.5",
                cost_ht=w.cost_ht * 55 // 100,
                price_ttc=_half_up(w.price_ttc * 6, 1000) * 100,
            )
        )
    return extra


def _variant(wine: LibraryRef, **changes: Any) -> LibraryRef:
    values = {**wine.__dict__, **changes}
    return LibraryRef(**values)


def _non_wine_refs() -> list[LibraryRef]:
    refs = []
    for producer, name, fmt, cost, price in BEERS:
        refs.append(LibraryRef("", "beer", producer, name, "", "", "", "", fmt, cost, price))
    for producer, name, appellation, serving_price, cost in SPIRITS:
        # The library's sale price is the bottle's worth at the serving price.
        bottle_price = serving_price * 70 // SPIRIT_SERVING_CL
        refs.append(
            LibraryRef(
                "", "spirit", producer, name, appellation, "", "", "", "70", cost, bottle_price
            )
        )
    for producer, name, fmt, cost, price in SOFTS:
        refs.append(
            LibraryRef("", "soft", producer, name, "", "", "", "", fmt, cost, price, VAT_REDUCED)
        )
    return refs


# --------------------------------------------------------------------------------------------
# Catalogue: Popina products with operator-typed labels
# --------------------------------------------------------------------------------------------


# Sales kinds drive the order mix; the catalogue category is what Popina shows.
@dataclass
class Product:
    key: str  # stable key the id derives from
    name: str
    category: str
    sub_category: str
    price: int
    tax_rate: int
    sales_kind: str  # bottle | glass | carafe | draught | beer | spirit | aperitif | soft | ...
    library_ref: LibraryRef | None = None
    id: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = _id("product", self.key)

    def catalog_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "categoryId": _id("category", self.category),
            "subCategories": [
                {"id": _id("subcategory", self.sub_category), "name": self.sub_category}
            ],
            "priceList": [
                {
                    "priceTypeId": 0,
                    "priceTypeName": "Normal",
                    "unitPrice": self.price,
                    "taxRate": self.tax_rate,
                }
            ],
        }


APPELLATION_SHORT = {
    "Côtes du Rhône": ("CDR", "COTES DU RHONE", "Côtes du Rhône"),
    "Saint-Émilion Grand Cru": ("ST EMILION GC", "ST-EMILION GRD CRU", "St Emilion GC"),
    "Châteauneuf-du-Pape": ("CHATEAUNEUF", "CNDP", "Châteauneuf du Pape"),
    "Crozes-Hermitage": ("CROZES", "CROZES HERMITAGE", "Crozes"),
    "Muscadet Sèvre et Maine": ("MUSCADET", "MUSCADET SEVRE & M.", "Muscadet"),
    "Chablis Premier Cru": ("CHABLIS 1ER CRU", "CHABLIS 1ER", "Chablis 1er Cru"),
    "Bourgogne Hautes-Côtes de Nuits": ("HTES COTES NUITS", "HCDN", "Hautes Côtes de Nuits"),
    "Pessac-Léognan": ("PESSAC", "PESSAC LEOGNAN", "Pessac"),
    "Alsace Grand Cru Schlossberg": ("ALSACE GC SCHLOSSBERG", "SCHLOSSBERG", "Schlossberg GC"),
    "Bordeaux Supérieur": ("BORDEAUX SUP", "BDX SUP", "Bordeaux Sup."),
    "Côtes de Provence": ("COTES DE PROVENCE", "COTES PROV.", "Côtes de Provence"),
    "Crémant de Bourgogne": ("CREMANT BOURGOGNE", "CREMANT BGNE", "Crémant de Bourgogne"),
    "Crémant de Loire": ("CREMANT LOIRE", "CREMANT DE LOIRE", "Crémant de Loire"),
    "Crémant d'Alsace": ("CREMANT ALSACE", "CREMANT D'ALSACE", "Crémant d'Alsace"),
    "Nuits-Saint-Georges": ("NUITS ST GEORGES", "NSG", "Nuits St Georges"),
}
COLOUR_SHORT = {"red": "RGE", "white": "BLC", "rose": "RSE", "sparkling": ""}


def _ascii_upper(text: str) -> str:
    """How operators type on a till keyboard: capitals, no accents."""
    stripped = unicodedata.normalize("NFKD", text)
    return "".join(c for c in stripped if not unicodedata.combining(c)).upper()


def _short_appellation(rng: random.Random, appellation: str) -> str:
    if appellation in APPELLATION_SHORT:
        return rng.choice(APPELLATION_SHORT[appellation][:2])
    upper = _ascii_upper(appellation).replace("SAINTE-", "STE ").replace("SAINT-", "ST ")
    return upper.replace("-", " ")


def _short_producer(rng: random.Random, producer: str) -> str:
    upper = _ascii_upper(producer)
    for long, shorts in (
        ("CHATEAU ", ("CHT ", "CH. ", "CHATEAU ")),
        ("DOMAINE ", ("DOM ", "DNE ", "")),
        ("MAISON ", ("", "")),
        ("CHAMPAGNE ", ("", "CHAMP. ")),
    ):
        if upper.startswith(long):
            return rng.choice(shorts) + upper[len(long) :]
    return upper


def _vintage_text(rng: random.Random, vintage: str, required: bool) -> str:
    if not vintage:
        return ""
    options = [vintage, vintage, "'" + vintage[2:]]
    if not required:
        options.append("")  # operators often leave the vintage off
    return rng.choice(options)


def _squash(label: str) -> str:
    return " ".join(label.split())


def _bottle_label(rng: random.Random, wine: LibraryRef, vintage: str, exact: bool) -> str:
    """One operator's way of typing a bottle. ``exact`` keeps the vintage on the label."""
    app = _short_appellation(rng, wine.appellation)
    prod = _short_producer(rng, wine.producer)
    col = COLOUR_SHORT[wine.colour]
    vin = _vintage_text(rng, vintage, required=exact)
    cuvee = _ascii_upper(wine.cuvee)
    prefix = {"150": "MAG ", "37.5": "1/2 BTL "}.get(wine.format_cl, "")
    templates = [
        f"{prefix or rng.choice(('BTL ', 'BTLE ', 'BOUT '))}{app} {prod} {vin}",
        f"{prefix}{app} {col} {prod} {vin}",
        f"{prefix}{prod} {cuvee} {vin} {'' if prefix else '75CL'}",
        f"{prefix}{app} {cuvee or col} {vin}",
    ]
    if not prefix:
        natural_app = APPELLATION_SHORT.get(wine.appellation, ("", "", wine.appellation))[2]
        templates.append(f"Bouteille {natural_app} {wine.producer.split(' ', 1)[-1]} {vin}")
    label = _squash(rng.choice(templates))
    if not exact and len(label) > 26 and rng.random() < 0.5:
        label = _truncate(label, rng.randint(25, 30))
    return label


def _truncate(label: str, width: int) -> str:
    """Cut to the till's button width; words may be cut, a vintage is kept whole or dropped."""
    if len(label) <= width:
        return label
    cut = label[:width].rstrip()
    head, _, last = cut.rpartition(" ")
    whole_last = label[len(head) + 1 :].split(" ", 1)[0] if head else last
    if head and any(c.isdigit() for c in whole_last) and last != whole_last:
        cut = head.rstrip()
    return cut


def _glass_label(rng: random.Random, wine: LibraryRef) -> str:
    app = _short_appellation(rng, wine.appellation)
    col = COLOUR_SHORT[wine.colour]
    return _squash(
        rng.choice(
            [
                f"VRE {app} {col}",
                f"VERRE {app} {col} 12CL",
                f"{app} {col} VERRE",
                f"Verre {wine.appellation} 12cl",
            ]
        )
    )


def _carafe_label(rng: random.Random, wine: LibraryRef) -> str:
    app = _short_appellation(rng, wine.appellation)
    return _squash(rng.choice([f"PICHET {app} 50CL", f"CARAFE 50CL {app}"]))


def _unique(label: str, taken: dict[str, int], wine: LibraryRef) -> str:
    """Two buttons with the same text would be ambiguous: add the producer, then a counter."""
    if label in taken:
        label = _squash(f"{label} {_short_producer(random.Random(label), wine.producer)}")
    while label in taken:
        taken[label] += 1
        label = f"{label} ({taken[label]})"
    taken[label] = 1
    return label


def _round_to(value: int, step: int) -> int:
    return _half_up(value, step) * step


@dataclass
class Catalog:
    products: list[Product]
    almost: list[Product]  # labels with a vintage other than the library's
    not_in_library: list[Product]
    never_sold: list[Product]

    def by_kind(self, kind: str) -> list[Product]:
        return [p for p in self.products if p.sales_kind == kind]


def build_catalog(library: list[LibraryRef]) -> Catalog:
    rng = random.Random(f"{SEED}:catalog")
    taken: dict[str, int] = {}
    wines = [r for r in library if r.kind == "wine"]
    # A few cellar references have no till button (kept for the cave, sold on request).
    on_till = [w for i, w in enumerate(wines) if i % 16 != 5]
    held = [(w.producer, w.cuvee, w.appellation, w.colour) for w in wines]
    single_vintage = [
        w
        for w in on_till
        if w.vintage
        and w.format_cl == "75"
        and held.count((w.producer, w.cuvee, w.appellation, w.colour)) == 1
    ]
    almost_refs = single_vintage[3::13][:10]
    products: list[Product] = []
    almost: list[Product] = []

    for wine in on_till:
        is_almost = wine in almost_refs
        shown = wine.vintage
        if is_almost:  # the till still shows the vintage after or before the library's
            shown = str(int(wine.vintage) + (1 if int(wine.vintage) < 2023 else -1))
        label = _unique(_bottle_label(rng, wine, shown, exact=is_almost), taken, wine)
        product = _alcohol(
            f"bottle:{wine.ref_id}", label, "Vins", "Vin bouteille", wine.price_ttc, "bottle", wine
        )
        products.append(product)
        if is_almost:
            almost.append(product)

    by_glass = [w for w in on_till if w.format_cl == "75" and w.price_ttc <= 6000][::2][:40]
    for wine in by_glass:
        label = _unique(_glass_label(rng, wine), taken, wine)
        price = max(450, _round_to(wine.price_ttc // 5, 50))
        products.append(
            _alcohol(f"glass:{wine.ref_id}", label, "Vins", "Vin au verre", price, "glass", wine)
        )
    for wine in [w for w in by_glass if w.price_ttc <= 3500][:6]:
        label = _unique(_carafe_label(rng, wine), taken, wine)
        price = _round_to(wine.price_ttc * 6 // 10, 100)
        products.append(
            _alcohol(f"carafe:{wine.ref_id}", label, "Vins", "Vin en pichet", price, "carafe", wine)
        )

    products += _drink_products(library)
    not_in_library = _products_not_in_library()
    products += not_in_library
    products += _food_and_hot_products()

    never_sold = [
        next(p for p in products if p.key.startswith("bottle:") and p.name.startswith("MAG ")),
        next(p for p in not_in_library if p.key == "other:coteaux-layon"),
    ]
    return Catalog(products, almost, not_in_library, never_sold)


def _alcohol(
    key: str, label: str, category: str, sub: str, price: int, kind: str, ref: LibraryRef | None
) -> Product:
    return Product(key, label, category, sub, price, VAT_ALCOHOL, kind, ref)


def _drink_products(library: list[LibraryRef]) -> list[Product]:
    refs = {(r.producer, r.cuvee): r for r in library if r.kind != "wine"}
    kegs = [r for r in library if r.kind == "beer" and r.format_cl == "3000"]
    products = []
    for keg, label in zip(kegs, ("PRESSION", "PRESSION IPA"), strict=True):
        for cl, price in (
            (25, 450 if label == "PRESSION" else 550),
            (50, 850 if label == "PRESSION" else 1000),
        ):
            key = f"draught:{keg.ref_id}:{cl}"
            products.append(
                _alcohol(key, f"{label} {cl}CL", "Bières", "Bière pression", price, "draught", keg)
            )
    beer_labels = {
        "Château Rouge": "BIERE CHATEAU ROUGE 33CL",
        "La Blonde": "MONT BLANC BLONDE 33",
        "Page 24 Réserve Hildegarde": "PAGE 24 BTL 33CL",
        "Étoile du Nord": "ETOILE DU NORD",
        "Ch'ti Ambrée": "CH'TI AMBREE 33CL",
        "Cervoise": "CERVOISE LANCELOT",
        "Pils": "BIERE BTL 25CL",
        "Tonnerre Blanche": "GALLIA BLANCHE 33CL",
    }
    for producer, name, _, _, price in BEERS:
        if name in beer_labels:
            ref = refs[(producer, name)]
            label = beer_labels[name]
            products.append(
                _alcohol(
                    f"beer:{ref.ref_id}", label, "Bières", "Bière bouteille", price, "beer", ref
                )
            )
    spirit_labels = (
        "COGNAC FERRAND 4CL",
        "ARMAGNAC LAUBADE",
        "WHISKY ARMORIK 4CL",
        "GLENMORANGIE 10",
        "RHUM JM BLANC",
        "RHUM DAMOISEAU VO",
        "GIN CITADELLE",
        "CHARTREUSE VERTE 4CL",
        "CALVA DROUIN",
        "PASTIS BARDOUIN",
        "POIRE WILLIAMS",
        "GET 27",
    )
    for (producer, name, _, serving_price, _), label in zip(SPIRITS, spirit_labels, strict=True):
        ref = refs[(producer, name)]
        key = f"spirit:{ref.ref_id}"
        products.append(
            _alcohol(key, label, "Spiritueux", "Spiritueux", serving_price, "spirit", ref)
        )
    soft_labels = (
        ("EVIAN 50CL", "Eaux"),
        ("SAN PELLEGRINO 1L", "Eaux"),
        ("COCA COLA 33CL", "Sodas"),
        ("JUS ORANGE", "Jus"),
        ("JUS POMME", "Jus"),
        ("LIMONADE", "Sodas"),
    )
    for (producer, name, _, _, price), (label, sub) in zip(SOFTS, soft_labels, strict=True):
        ref = refs[(producer, name)]
        products.append(
            Product(f"soft:{ref.ref_id}", label, "Softs", sub, price, VAT_REDUCED, "soft", ref)
        )
    return products


def _products_not_in_library() -> list[Product]:
    """Drinks rung on the till that the library does not hold (yet)."""
    rows = (
        ("kir", "KIR CASSIS", "Apéritifs", "Apéritifs", 550, "aperitif"),
        ("spritz", "SPRITZ APEROL", "Apéritifs", "Cocktails", 950, "aperitif"),
        ("mojito", "MOJITO", "Apéritifs", "Cocktails", 1100, "aperitif"),
        ("arbois", "VRE ARBOIS SAVAGNIN", "Vins", "Vin au verre", 900, "glass"),
        ("coteaux-layon", "BTL COTEAUX DU LAYON '18", "Vins", "Vin bouteille", 4200, "bottle"),
        ("cidre", "CIDRE BRUT 33CL", "Bières", "Bière bouteille", 600, "beer"),
        ("jameson", "JAMESON 4CL", "Spiritueux", "Spiritueux", 800, "spirit"),
        ("ginger-beer", "GINGER BEER 20CL", "Softs", "Sodas", 500, "soft"),
    )
    return [
        Product(
            f"other:{key}",
            name,
            category,
            sub,
            price,
            VAT_REDUCED if category == "Softs" else VAT_ALCOHOL,
            kind,
        )
        for key, name, category, sub, price, kind in rows
    ]


def _food_and_hot_products() -> list[Product]:
    rows = (
        (
            "Boissons chaudes",
            "Cafés",
            "hot",
            ("CAFE", 250),
            ("DOUBLE EXPRESSO", 400),
            ("DECA", 250),
            ("CAFE CREME", 400),
        ),
        ("Boissons chaudes", "Thés", "hot", ("THE", 450), ("INFUSION", 450)),
        (
            "Planches",
            "Planches",
            "planche",
            ("PLANCHE MIXTE", 2200),
            ("PLANCHE CHARCUTERIE", 1900),
            ("PLANCHE FROMAGES", 1900),
            ("1/2 PLANCHE MIXTE", 1300),
            ("PLANCHE VEGGIE", 1700),
            ("JAMBON BELLOTA 50G", 1600),
            ("PLANCHE TRUFFE", 2800),
        ),
        (
            "Plats",
            "Petites assiettes",
            "plat",
            ("BURRATA TOMATES", 1300),
            ("OEUF MAYO", 700),
            ("RILLETTES SARDINE", 900),
            ("TERRINE MAISON", 1000),
            ("CROQUE TRUFFE", 1400),
            ("TARTARE DE BOEUF", 1800),
            ("POULPE GRILLE", 1700),
            ("FRITES MAISON", 600),
            ("SAUCISSON SEC", 800),
            ("OLIVES", 500),
            ("PLAT DU JOUR", 1900),
            ("TATAKI THON", 1600),
        ),
        (
            "Desserts",
            "Desserts",
            "dessert",
            ("MOUSSE CHOCOLAT", 800),
            ("TARTE CITRON", 800),
            ("CAFE GOURMAND", 1000),
            ("CREME BRULEE", 800),
            ("ASSIETTE 3 FROMAGES", 1000),
        ),
    )
    products = []
    for category, sub, kind, *items in rows:
        for name, price in items:
            products.append(Product(f"menu:{name}", name, category, sub, price, VAT_REDUCED, kind))
    return products


def build_links(catalog: Catalog) -> list[dict[str, Any]]:
    """About a dozen links, to show every kind of serving factor; the rest is left to the user."""
    carafe = catalog.by_kind("carafe")[0]
    wine_a = carafe.library_ref
    glasses = [p for p in catalog.by_kind("glass") if p.library_ref]
    wine_b = glasses[3].library_ref
    bottles = {p.library_ref.ref_id: p for p in catalog.by_kind("bottle") if p.library_ref}
    wine_c = next(
        p
        for p in catalog.by_kind("bottle")
        if p.library_ref and p.library_ref.colour == "sparkling" and p not in catalog.never_sold
    )
    chosen: list[tuple[Product, float]] = []
    for wine in (wine_a, wine_b):
        assert wine is not None
        chosen.append((bottles[wine.ref_id], 1.0))
        glass = next(p for p in glasses if p.library_ref is wine)
        chosen.append((glass, GLASS_CL / 75))
    chosen.append((carafe, CARAFE_CL / 75))
    chosen.append((wine_c, 1.0))
    draught = catalog.by_kind("draught")
    chosen += [(draught[0], 25 / 3000), (draught[1], 50 / 3000)]
    chosen.append((catalog.by_kind("beer")[0], 1.0))
    spirits = catalog.by_kind("spirit")
    chosen += [(spirits[0], SPIRIT_SERVING_CL / 70), (spirits[7], SPIRIT_SERVING_CL / 70)]
    chosen.append((next(p for p in catalog.by_kind("soft") if p.name == "COCA COLA 33CL"), 1.0))
    return [
        {
            "pos_product_id": product.id,
            "library_ref_id": product.library_ref.ref_id if product.library_ref else "",
            "serving_factor": _serving_factor(factor),
        }
        for product, factor in chosen
    ]


# --------------------------------------------------------------------------------------------
# Closures and orders
# --------------------------------------------------------------------------------------------

OPERATORS = ("Camille", "Yanis", "Léa", "Hugo", "Inès")
MANAGERS = ("Camille", "Hugo")
CANCEL_REASONS = ("Erreur de saisie", "Client parti", "Rupture de stock")
ORDER_CANCEL_REASONS = ("Client parti", "Erreur de table")
LINE_DISCOUNT = "Remise 10%"
ORDER_DISCOUNT = "Remise fidélité 10%"
OFFERED = "Offert"
LOSS_REASON = "Casse"

# Special cases placed on fixed days so that every kind exists whatever the dice say
# (the dinner closure's sixth order, or the first order able to carry it).
FORCED_EVENTS: dict[date, str] = {
    date(2026, 6, 5): "cancelled_order",
    date(2026, 6, 10): "cancelled_line",
    date(2026, 6, 11): "offered_line",
    date(2026, 6, 12): "order_discount",
    date(2026, 6, 19): "line_discount",
    date(2026, 7, 3): "loss",
    date(2026, 8, 21): "loss",
}

# Order mix per service: how likely each kind of line is.
DINNER_MIX = {
    "glass": 28,
    "bottle": 13,
    "carafe": 3,
    "draught": 9,
    "beer": 4,
    "spirit": 5,
    "aperitif": 4,
    "soft": 6,
    "planche": 12,
    "plat": 9,
    "dessert": 3,
    "hot": 4,
}
LUNCH_MIX = {
    "glass": 16,
    "bottle": 5,
    "carafe": 3,
    "draught": 6,
    "beer": 3,
    "spirit": 1,
    "aperitif": 2,
    "soft": 10,
    "planche": 6,
    "plat": 26,
    "dessert": 8,
    "hot": 14,
}


@dataclass
class Line:
    product: Product
    quantity: int
    cancelled: str | None = None  # cancel reason
    offered: bool = False
    loss: bool = False
    discount_pct: int = 0

    @property
    def gross(self) -> int:
        return self.quantity * self.product.price

    @property
    def discount(self) -> int:
        if self.offered:
            return self.gross
        return _half_up(self.gross * self.discount_pct, 100)

    @property
    def total(self) -> int:
        if self.loss:
            return 0
        return self.gross - self.discount

    @property
    def counts(self) -> bool:
        """Whether the line is part of the order's money (a cancelled line is not)."""
        return self.cancelled is None


def _split_tax(ttc: int, rate: int) -> tuple[int, int]:
    """(taxable HT, tax) of a TTC amount, per line, HT rounded half up."""
    taxable = _half_up(ttc * 10000, 10000 + rate)
    return taxable, ttc - taxable


def _allocate(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights`` (largest remainder, ties by position)."""
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in remainders[: amount - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass
class OrderPlan:
    lines: list[Line]
    opened: datetime
    closed: datetime
    place: str
    guests: int
    operator: str
    cancelled: str | None = None
    order_discount_pct: int = 0
    payments: list[tuple[str, int]] = field(default_factory=list)

    @property
    def live_lines(self) -> list[Line]:
        return [line for line in self.lines if line.counts]

    @property
    def items_total(self) -> int:
        return sum(line.total for line in self.live_lines)

    @property
    def order_discount(self) -> int:
        return _half_up(self.items_total * self.order_discount_pct, 100)

    @property
    def total(self) -> int:
        return self.items_total - self.order_discount

    def net_lines(self) -> list[tuple[Line, int]]:
        """Live lines with their share of the order total (order discount spread)."""
        lines = self.live_lines
        shares = _allocate(self.order_discount, [line.total for line in lines])
        return [(line, line.total - share) for line, share in zip(lines, shares, strict=True)]


class Sampler:
    """Weighted picks of products by kind; a few bestsellers, a long tail."""

    def __init__(self, catalog: Catalog) -> None:
        rng = random.Random(f"{SEED}:popularity")
        excluded = {p.id for p in catalog.never_sold}
        self.pools: dict[str, tuple[list[Product], list[float]]] = {}
        kinds = dict.fromkeys(p.sales_kind for p in catalog.products)
        for kind in kinds:
            pool = [p for p in catalog.products if p.sales_kind == kind and p.id not in excluded]
            rng.shuffle(pool)
            weights = [1 / (rank + 2) ** 0.9 for rank in range(len(pool))]
            cumulative, running = [], 0.0
            for w in weights:
                running += w
                cumulative.append(running)
            self.pools[kind] = (pool, cumulative)
        # Every product but the catalogue-only ones is sold at least once: the first orders of
        # the season each start with the next product of this queue.
        self.to_introduce = [p for p in catalog.products if p.id not in excluded]
        rng.shuffle(self.to_introduce)

    def pick(self, rng: random.Random, kind: str) -> Product:
        pool, cumulative = self.pools[kind]
        return rng.choices(pool, cum_weights=cumulative)[0]


def _quantity(rng: random.Random, kind: str, guests: int) -> int:
    if kind in ("bottle", "carafe"):
        return 2 if guests >= 5 and rng.random() < 0.3 else 1
    if kind in ("glass", "draught", "beer", "aperitif", "hot"):
        return rng.randint(1, min(guests, 4))
    if kind in ("planche", "plat", "dessert"):
        return rng.randint(1, max(1, (guests + 1) // 2))
    return rng.randint(1, 2)


def _order_lines(
    rng: random.Random,
    sampler: Sampler,
    mix: dict[str, int],
    guests: int,
    first: Product | None,
) -> list[Line]:
    kinds, weights = list(mix), list(mix.values())
    wanted = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 26, 24, 18, 11, 7))[0]
    lines: list[Line] = []
    if first is not None:
        lines.append(Line(first, _quantity(rng, first.sales_kind, guests)))
    while len(lines) < wanted:
        kind = rng.choices(kinds, weights=weights)[0]
        product = sampler.pick(rng, kind)
        if any(line.product is product for line in lines):
            wanted -= 1  # a second round of the same thing is merged by the till
            continue
        lines.append(Line(product, _quantity(rng, kind, guests)))
    return lines


def _apply_random_events(rng: random.Random, order: OrderPlan) -> None:
    """The odd cancellation, offered coffee or discount, a few a week."""
    for line in order.lines:
        if rng.random() < 0.003 and _can_drop(order, line):
            line.cancelled = rng.choice(CANCEL_REASONS)
        elif line.product.sales_kind in ("hot", "spirit", "glass") and rng.random() < 0.004:
            if _can_drop(order, line):
                line.offered = True
        elif line.product.sales_kind == "bottle" and rng.random() < 0.004:
            line.discount_pct = 10
    if rng.random() < 0.003:
        order.order_discount_pct = 10
    elif rng.random() < 0.0015:
        order.cancelled = rng.choice(ORDER_CANCEL_REASONS)


def _can_drop(order: OrderPlan, line: Line) -> bool:
    """A line may be cancelled or offered only if something else is still paid for."""
    return any(o is not line and o.counts and o.total > 0 for o in order.lines)


def _apply_forced_event(rng: random.Random, sampler: Sampler, order: OrderPlan, event: str) -> bool:
    """Put one guaranteed special case on ``order``; False if it cannot carry it."""
    lines = order.lines
    if order.cancelled or order.order_discount_pct:
        return False  # keep each special case readable on its own
    if event == "cancelled_order":
        order.cancelled = "Client parti"
    elif event == "order_discount":
        order.order_discount_pct = 10
    elif event == "cancelled_line":
        if len(lines) < 2 or not _can_drop(order, lines[-1]):
            return False
        lines[-1].cancelled = "Erreur de saisie"
    elif event == "offered_line":
        lines.append(Line(sampler.pick(rng, "hot"), 1, offered=True))
    elif event == "line_discount":
        bottle = next((line for line in lines if line.product.sales_kind == "bottle"), None)
        if bottle is None:
            bottle = Line(sampler.pick(rng, "bottle"), 1)
            lines.append(bottle)
        bottle.discount_pct = 10
    elif event == "loss":
        lines.append(Line(sampler.pick(rng, "glass"), 1, loss=True))
    return True


def _pay(rng: random.Random, order: OrderPlan, lunch: bool) -> None:
    total = order.total
    if order.cancelled or total == 0:
        order.payments = []
        return
    roll = rng.random()
    if lunch and roll < 0.2:
        voucher = min(total, rng.choice((900, 1000, 1100, 1200)) * rng.randint(1, 2))
        order.payments = [("Ticket restaurant", voucher)]
        if total > voucher:
            order.payments.append(("Carte bancaire", total - voucher))
    elif roll < 0.25:
        order.payments = [("Espèces", total)]
    elif roll < 0.32 and total > 2000:
        cash = _round_to(rng.randint(500, total - 500), 500)
        order.payments = [("Carte bancaire", total - cash), ("Espèces", cash)]
    else:
        order.payments = [("Carte bancaire", total)]


@dataclass(frozen=True)
class Service:
    day: date
    slot: str  # lunch | dinner | training

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}:{self.slot}"


def service_calendar() -> list[Service]:
    """Closed on Mondays; lunch and dinner on Saturdays; one training till on 14 July."""
    services = []
    day = DEMO_FIRST_DAY
    while day <= DEMO_LAST_DAY:
        if day.weekday() != 0:
            if day.weekday() == 5:
                services.append(Service(day, "lunch"))
            if day == DEMO_TRAINING_DAY:
                services.append(Service(day, "training"))
            services.append(Service(day, "dinner"))
        day += timedelta(days=1)
    return services


def _paris(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=PARIS)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _service_window(rng: random.Random, service: Service) -> tuple[datetime, int, int, int]:
    """(start, first order minute, last order minute, order count); minutes from start."""
    weekend = service.day.weekday() in (4, 5)
    if service.slot == "lunch":
        start = _paris(service.day, 11, 30, rng.randint(0, 59)) + timedelta(
            minutes=rng.randint(0, 8)
        )
        return start, 10, 190, rng.randint(30, 45)
    if service.slot == "training":
        start = _paris(service.day, 15, 2, rng.randint(0, 59))
        return start, 5, 30, rng.randint(3, 5)
    start = _paris(service.day, 17, 30, rng.randint(0, 59)) + timedelta(minutes=rng.randint(0, 6))
    count = rng.randint(50, 70) if weekend else rng.randint(32, 58)
    return start, 10, 430, count


def _opening_minutes(
    rng: random.Random, service: Service, first: int, last: int, count: int
) -> list[float]:
    if service.slot != "dinner":
        return sorted(rng.uniform(first, last) for _ in range(count))
    # Apéro, dinner rush, late drinks; most nights some tables still order after midnight
    # (390 minutes after 17:30 is 00:00).
    late = 0 if rng.random() < 0.12 else rng.randint(1, 4)
    minutes = [rng.uniform(390, 440) for _ in range(late)]
    for _ in range(count - late):
        part = rng.random()
        if part < 0.15:
            minutes.append(rng.uniform(first, 90))
        elif part < 0.8:
            minutes.append(rng.uniform(90, 300))
        else:
            minutes.append(rng.uniform(300, 385))
    return sorted(minutes)


def _plan_service(
    service: Service, sampler: Sampler
) -> tuple[datetime, datetime, list[OrderPlan], str]:
    rng = random.Random(f"{SEED}:service:{service.key}")
    start, first, last, count = _service_window(rng, service)
    lunch = service.slot == "lunch"
    mix = LUNCH_MIX if lunch else DINNER_MIX
    staff = OPERATORS[:3] if lunch else OPERATORS
    if service.slot == "training":
        staff = ("Formation",)
    forced = FORCED_EVENTS.get(service.day) if service.slot == "dinner" else None
    orders: list[OrderPlan] = []
    for index, minute in enumerate(_opening_minutes(rng, service, first, last, count)):
        opened = start + timedelta(minutes=minute)
        place = rng.choices(("Terrasse", "Salle", "Comptoir"), weights=(45, 35, 20))[0]
        guests = (
            rng.randint(1, 2)
            if place == "Comptoir"
            else rng.choices((1, 2, 3, 4, 5, 6), weights=(10, 40, 18, 20, 7, 5))[0]
        )
        introduce = None
        if index < 3 and service.slot != "training" and sampler.to_introduce:
            introduce = sampler.to_introduce.pop()
        lines = _order_lines(rng, sampler, mix, guests, introduce)
        stay = rng.uniform(10, 40) if minute >= 390 else rng.uniform(20, 150 if not lunch else 75)
        if service.slot == "dinner":
            stay = min(stay, max(10.0, 470 - minute))  # the last tables leave by about 01:15
        order = OrderPlan(
            lines,
            opened,
            opened + timedelta(minutes=stay, seconds=rng.randint(0, 59)),
            place,
            guests,
            rng.choice(staff),
        )
        if service.slot != "training":
            _apply_random_events(rng, order)
        if forced and index >= 5 and _apply_forced_event(rng, sampler, order, forced):
            forced = None
        _pay(rng, order, lunch)
        orders.append(order)
    last_closed = max(order.closed for order in orders)
    if service.slot == "dinner":
        closing = _paris(service.day, 17, 30) + timedelta(minutes=450 + rng.randint(0, 40))
    elif lunch:
        closing = _paris(service.day, 15, 30) + timedelta(minutes=rng.randint(0, 10))
    else:
        closing = start + timedelta(minutes=40)
    finalized = max(closing, last_closed + timedelta(minutes=rng.randint(8, 20)))
    finalized += timedelta(seconds=rng.randint(0, 59))
    clerk = "Formation" if service.slot == "training" else rng.choice(MANAGERS)
    return start, finalized, orders, clerk


def _item_json(line: Line) -> dict[str, Any]:
    product = line.product
    total = line.total
    taxable, tax = _split_tax(total, product.tax_rate)
    item: dict[str, Any] = {
        "description": product.name,
        "category": product.category,
        "subCategory": product.sub_category,
        "quantity": line.quantity,
        "unitPrice": product.price,
        "total": total,
        "tier": "Normal",
        "isCanceled": line.cancelled is not None,
        "cancelReason": line.cancelled,
        "isLoss": line.loss,
        "lossReason": LOSS_REASON if line.loss else None,
    }
    if line.offered:
        item["x_offered"] = True
        item["x_discounts"] = [{"name": OFFERED, "amount": line.discount}]
    elif line.discount_pct:
        item["x_discounts"] = [{"name": LINE_DISCOUNT, "amount": line.discount}]
    item["tax"] = {
        "taxName": TAX_NAMES[product.tax_rate],
        "taxRate": product.tax_rate,
        "taxableAmount": taxable,
        "taxAmount": tax,
    }
    item["itemCatalogId"] = product.id
    return item


def _line_discounts(order: OrderPlan) -> list[tuple[str, int]]:
    found = []
    for line in order.live_lines:
        if line.offered:
            found.append((OFFERED, line.discount))
        elif line.discount_pct and not line.loss:
            found.append((LINE_DISCOUNT, line.discount))
    return found


def _order_json(order: OrderPlan, number: int, order_id: str, report_id: str) -> dict[str, Any]:
    net_tax = sum(_split_tax(net, line.product.tax_rate)[1] for line, net in order.net_lines())
    discounts = _line_discounts(order)
    result: dict[str, Any] = {
        "id": order_id,
        "reportId": report_id,
        "locationId": LOCATION_ID,
        "createdAt": _utc_text(order.opened),
        "updatedAt": _utc_text(order.closed),
        "openedAt": _utc_text(order.opened),
        "closedAt": _utc_text(order.closed),
        "orderNumber": str(number),
        "orderPlace": order.place,
        "guests": order.guests,
        "operatorName": order.operator,
        "total": order.total,
        "totalTax": net_tax,
        "totalDiscount": sum(amount for _, amount in discounts) + order.order_discount,
        "isCanceled": order.cancelled is not None,
        "cancelReason": order.cancelled,
        "isTransferred": False,
        "items": [_item_json(line) for line in order.lines],
        "payments": [{"paymentName": n, "paymentAmount": a} for n, a in order.payments],
    }
    if order.order_discount:
        result["x_orderDiscounts"] = [{"name": ORDER_DISCOUNT, "amount": order.order_discount}]
    return result


PAYMENT_ORDER = ("Carte bancaire", "Espèces", "Ticket restaurant")


def _report_aggregates(orders: list[OrderPlan]) -> dict[str, Any]:
    """The closure's Z figures, from its non-cancelled orders."""
    taxes: dict[int, list[int]] = {}
    payments: dict[str, int] = dict.fromkeys(PAYMENT_ORDER, 0)
    products: dict[str, dict[str, Any]] = {}
    discounts: dict[str, int] = {}
    cancellations: dict[str, dict[str, Any]] = {}

    def cancel(reason: str, line: Line) -> None:
        entry = cancellations.setdefault(
            reason,
            {
                "name": reason,
                "quantity": 0,
                "amount": 0,
                "afterFinalization": False,
                "productList": [],
            },
        )
        entry["quantity"] += line.quantity
        entry["amount"] += line.total
        entry["productList"].append(
            {"name": line.product.name, "quantity": line.quantity, "amount": line.total}
        )

    for order in orders:
        if order.cancelled:
            for line in order.live_lines:
                cancel(order.cancelled, line)
            continue
        for line in order.lines:
            if line.cancelled:
                cancel(line.cancelled, line)
        for line, net in order.net_lines():
            rate = line.product.tax_rate
            taxable, tax = _split_tax(net, rate)
            bucket = taxes.setdefault(rate, [0, 0])
            bucket[0] += taxable
            bucket[1] += tax
            if line.loss:
                continue  # a breakage is not a sale
            product = line.product
            entry = products.setdefault(
                product.id,
                {
                    "productName": product.name,
                    "category": product.category,
                    "subCategory": product.sub_category,
                    "productQuantity": 0,
                    "productSales": 0,
                    "productCatalogId": product.id,
                },
            )
            entry["productQuantity"] += line.quantity
            entry["productSales"] += net
        for name, amount in _line_discounts(order):
            discounts[name] = discounts.get(name, 0) + amount
        if order.order_discount:
            discounts[ORDER_DISCOUNT] = discounts.get(ORDER_DISCOUNT, 0) + order.order_discount
        for name, amount in order.payments:
            payments[name] += amount
    return {
        "reportTaxes": [
            {"taxName": TAX_NAMES[rate], "taxRate": rate, "taxableAmount": t[0], "taxAmount": t[1]}
            for rate, t in sorted(taxes.items(), reverse=True)
        ],
        "reportPayments": [
            {"paymentName": name, "paymentAmount": amount}
            for name, amount in payments.items()
            if amount
        ],
        "reportProducts": list(products.values()),
        "reportDiscounts": [
            {
                "discountName": name,
                "discountValue": value,
                "discountCatalogId": _id("discount", name),
            }
            for name, value in discounts.items()
        ],
        "reportCancellations": list(cancellations.values()),
    }


def _closure_json(
    service: Service,
    number: int,
    start: datetime,
    finalized: datetime,
    orders: list[OrderPlan],
    clerk: str,
) -> dict[str, Any]:
    report_id = _id("closure", service.key)
    live = [order for order in orders if not order.cancelled]
    aggregates = _report_aggregates(orders)
    cash = sum(a for order in live for n, a in order.payments if n == "Espèces")
    training = service.slot == "training"
    return {
        "id": report_id,
        "createdAt": _utc_text(finalized),
        "updatedAt": _utc_text(finalized),
        "locationId": LOCATION_ID,
        "startedAt": _utc_text(start),
        "finalizedAt": _utc_text(finalized),
        "isTraining": training,
        "deviceName": TRAINING_DEVICE_NAME if training else DEVICE_NAME,
        "deviceIdentifier": DEVICE_IDENTIFIER,
        "reportNumber": number,
        "guestsNumber": sum(order.guests for order in live),
        "totalSales": sum(order.total for order in live),
        "clerkName": clerk,
        "initialCashBalance": INITIAL_CASH,
        "finalCashBalance": INITIAL_CASH + cash,
        **aggregates,
        "reportEntries": [],
        "orders": [
            _order_json(order, n, _id("order", f"{service.key}:{n}"), report_id)
            for n, order in enumerate(orders, start=1)
        ],
    }


def build_closures(catalog: Catalog) -> list[dict[str, Any]]:
    sampler = Sampler(catalog)
    planned = []
    for service in service_calendar():
        start, finalized, orders, clerk = _plan_service(service, sampler)
        planned.append((finalized, service, start, orders, clerk))
    planned.sort(key=lambda p: p[0])  # the file is in createdAt (= finalizedAt) order
    return [
        _closure_json(service, number, start, finalized, orders, clerk)
        for number, (finalized, service, start, orders, clerk) in enumerate(planned, start=101)
    ]


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------

DEMO_META = ScenarioMeta(
    name="demo",
    location_id=LOCATION_ID,
    timezone="Europe/Paris",
    currency="EUR",
    description=(
        f"{BAR_NAME}, a Paris wine bar: Popina till data from {DEMO_FIRST_DAY.isoformat()} to "
        f"{DEMO_LAST_DAY.isoformat()} (closed on Mondays, lunch and dinner on Saturdays)."
    ),
)


def generate_demo(folder: Path) -> Path:
    """Write the demo scenario into ``folder`` and return it."""
    library = build_library()
    catalog = build_catalog(library)
    return write_scenario(
        folder,
        DEMO_META,
        [product.catalog_entry() for product in catalog.products],
        build_closures(catalog),
        [ref.row() for ref in library],
        build_links(catalog),
    )


def special_cases() -> Iterator[tuple[str, str, str]]:
    """(case, product id, label) of the catalogue's special cases, for tests and docs."""
    catalog = build_catalog(build_library())
    for product in catalog.almost:
        yield "almost", product.id, product.name
    for product in catalog.not_in_library:
        yield "not_in_library", product.id, product.name
    for product in catalog.never_sold:
        yield "never_sold", product.id, product.name


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sommit_pipeline.scenarios.demo OUTDIR", file=sys.stderr)
        return 2
    print(generate_demo(Path(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
