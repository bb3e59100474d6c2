(function () {
  "use strict";
  // The data arrives as JSON text, never as code; every text from it reaches the page
  // through textContent or as a DOM node, never as HTML.
  var D = JSON.parse(document.getElementById("tr-data").textContent);
  var T = D.text;
  var P = D.parcels, K = D.parks, M = D.municipalities, F = D.found;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function missing(v) { return v === null || v === undefined || isNaN(v); }
  function num(value, digits) {
    return missing(value) ? "–" : Number(value).toLocaleString("nl-NL",
      { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function ha(value) { return missing(value) ? "–" : num(value, 2) + " ha"; }
  function years(value) { return missing(value) ? "–" : num(value, 1) + " jaar"; }
  function rowsTable(title, rows) {
    var box = el("div", "tr-popup");
    box.tabIndex = -1;
    box.appendChild(el("div", "tr-popup-title", title));
    var t = el("table");
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      t.appendChild(tr);
    });
    box.appendChild(t);
    return box;
  }

  // Geometries: integer coordinates (1/scale degree), each the difference from the one before.
  function decode(enc) {
    var features = [], k = 0, ring = 0, poly = 0, boxes = [];
    var x = enc.origin[0], y = enc.origin[1], s = enc.scale;
    for (var f = 0; f < enc.parts.length; f++) {
      var polygons = [], x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (var p = 0; p < enc.parts[f]; p++, poly++) {
        var rings = [];
        for (var r = 0; r < enc.rings[poly]; r++, ring++) {
          var points = [];
          for (var i = 0; i < enc.points[ring]; i++, k += 2) {
            x += enc.xy[k];
            y += enc.xy[k + 1];
            points.push([y / s, x / s]);
            if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
          }
          rings.push(points);
        }
        polygons.push(rings);
      }
      features.push(polygons.length === 1 ? polygons[0] : polygons);
      boxes.push([y0 / s, x0 / s, y1 / s, x1 / s]);
    }
    features.boxes = boxes;  // south, west, north, east of each
    return features;
  }

  // a page of its own, or the layers on an analyst's folium map (D.map names its variable)
  var map = D.map ? window[D.map]
    : L.map("tr-map", Object.assign({ preferCanvas: true, zoomSnap: 0.5 }, D.mapOptions));
  if (!document.documentElement.lang) document.documentElement.lang = "nl";
  map.createPane("tr-municipal").style.zIndex = 350;
  var canvas = L.canvas({ padding: 0.5 });
  var lowCanvas = L.canvas({ padding: 0.5, pane: "tr-municipal" });
  L.control.scale({ imperial: false, metric: true }).addTo(map);

  // Base layers, and a plain background for when no tiles load
  var baseLayers = D.tiles.map(function (t) {
    return L.tileLayer(t.url, { attribution: t.attribution, maxZoom: 19 });
  });
  baseLayers.push(L.layerGroup());
  var baseNames = D.tiles.map(function (t) { return t.name; }).concat([T.plain]);
  var base = baseLayers[0].addTo(map);

  // ---- CBS outlines: provinces and municipalities, always on, light, under everything ----
  map.createPane("tr-context").style.zIndex = 250;
  map.getPane("tr-context").style.pointerEvents = "none";
  var contextCanvas = L.canvas({ padding: 0.5, pane: "tr-context" });
  var contextLayer = L.featureGroup().addTo(map);
  [[D.context.municipalities, { color: "#8a8a8a", weight: 0.8 }],
    [D.context.provinces, { color: "#4d4d4d", weight: 1.8 }]].forEach(function (pair) {
    decode(pair[0].geometry).forEach(function (shape) {
      L.polygon(shape, Object.assign({ renderer: contextCanvas, pane: "tr-context", fill: false,
        interactive: false }, pair[1])).addTo(contextLayer);
    });
  });
  // the credit is text of the package, not of the data; set as text all the same
  map.attributionControl.addAttribution(el("span", null, D.context.attribution).outerHTML);

  // ---- Parks: a symbol whose area follows unsold hectares; shapes when closer ----
  var unsold = K.figures.map(function (f) { return (f[4] || 0) + (f[5] || 0); });
  var maxUnsold = Math.max.apply(null, unsold.concat([1e-9]));
  var DASH = [null, "6 4", "2 4", null];
  var colourBy = "cls";
  var PALETTES = {
    cls: { title: T.byClass, labels: D.parkClasses, colors: D.parkColors },
    segment: { title: T.bySegment, labels: D.segments, colors: D.segmentColors },
    milieu: { title: T.byMilieu, labels: D.milieus, colors: D.milieuColors },
  };
  if (K.milieuReal) {  // with sensitive objects: the category the distance to homes allows
    PALETTES.milieuReal = { title: T.byMilieuReal, labels: D.milieus, colors: D.milieuColors };
  }
  function parkColour(i) { return PALETTES[colourBy].colors[K[colourBy][i]]; }
  function parkRows(i) {
    var f = K.figures[i];
    return [
      [T.gemeente, K.gemeente[i]],
      [T.klasse, D.parkClasses[K.cls[i]]],
      ["Bruto", ha(f[0])],
      ["Netto", ha(f[1])],
      ["Uitgegeven", ha(f[2])],
      ["Terstond uitgeefbaar", ha(f[3])],
      ["Harde plancapaciteit", ha(f[4])],
      ["Zachte plancapaciteit", ha(f[5])],
      ["Grootste kavel", ha(f[6])],
      ["Uitgifte per jaar", ha(f[7])],
      ["Voorraad (hard)", years(f[8])],
      ["Dominant segment", D.segments[K.segment[i]]],
      ["Hoogste milieucategorie", K.milieu[i] < 0 ? "–" : D.milieus[K.milieu[i]]],
    ].concat(K.milieuReal ? [["Hoogste milieucategorie feitelijk",
      K.milieuReal[i] < 0 ? "geen" : D.milieus[K.milieuReal[i]]]] : []);
  }
  function parkPopup(i) { return rowsTable(K.name[i], parkRows(i)); }
  var parkMarkers = L.featureGroup(), parkFills = L.featureGroup(), parkOutlines = L.featureGroup();
  var markers = [], fills = null;
  K.name.forEach(function (name, i) {
    var radius = K.cls[i] === 3 ? 3 : 24 * Math.sqrt(unsold[i] / maxUnsold);
    var marker = L.circleMarker(K.center[i], {
      renderer: canvas, color: "#1a1a1a", weight: K.cls[i] === 0 ? 2.5 : 1.5,
      dashArray: DASH[K.cls[i]], radius: radius, fillOpacity: 0.8,
    });
    marker.bindTooltip(el("span", null, name));
    marker.bindPopup(function () { return parkPopup(i); });
    markers.push(marker.addTo(parkMarkers));
  });
  // the parks' shapes: made the first time they are needed, so the first draw stays quick
  function parkShapesBuilt() {
    if (fills) return fills;
    fills = decode(K.geometry).map(function (shape, i) {
      var fill = L.polygon(shape, {
        renderer: canvas, color: "#1a1a1a", weight: 1, dashArray: DASH[K.cls[i]], fillOpacity: 0.7,
        fillColor: parkColour(i),
      });
      fill.bindTooltip(el("span", null, K.name[i]), { sticky: true });
      fill.bindPopup(function () { return parkPopup(i); });
      L.polygon(shape, { renderer: canvas, color: "#1a1a1a", weight: 1.2, fill: false, interactive: false })
        .addTo(parkOutlines);
      return fill.addTo(parkFills);
    });
    return fills;
  }
  function recolour() {
    markers.forEach(function (m, i) { m.setStyle({ fillColor: parkColour(i) }); });
    (fills || []).forEach(function (m, i) { m.setStyle({ fillColor: parkColour(i) }); });
    drawLegend();
  }

  // ---- Parcels: built the first time they are needed, shown from parcelZoom on ----
  var parcelGroup = L.featureGroup();
  var segmentOn = D.segments.map(function () { return true; });
  var milieuOn = D.milieus.map(function () { return true; });
  var PARCEL_DASH = [null, null, "4 3", "1 3", null, null, "2 2"];
  function parcelPopup(i) {
    var rows = [
      [T.terrein, K.name[P.park[i]]],
      [T.gemeente, K.gemeente[P.park[i]]],
      ["Oppervlakte", ha(P.ha[i])],
      ["Status", D.states[P.state[i]]],
      ["Planfase", missing(P.planfase[i]) ? "–" : P.planfase[i] + " " + D.phases[P.planfase[i]]],
      ["Milieucategorie", P.milieu[i] < 0 ? "–" : D.milieus[P.milieu[i]]],
      ["Segment", D.segments[P.segment[i]]],
      ["Eigenaar", P.owner[i] < 0 ? "–" : D.owners[P.owner[i]]],
      ["Prijs", missing(P.price[i]) ? "–" : "€ " + num(P.price[i], 2) + " per m²"],
      ["Bijgewerkt", P.updated[i] || "–"],
    ];
    if (P.notes[i]) rows.push(["Opmerking", P.notes[i]]);
    P.extra.names.forEach(function (name, c) { rows.push([name, P.extra.values[c][i]]); });
    return rowsTable(T.kavel + " " + P.id[i], rows);
  }
  // Only the parcels near the view are Leaflet layers: made when first near it, kept, and
  // taken off the map when the view moves on, so that zooming in at 100,000 parcels draws
  // the few hundred in view instead of building them all. A grid of cells (about 1 km)
  // finds them.
  var CELL = 0.01;
  var parcelShapes = null, parcelBoxes = null, parcelGrid = null, parcelLayers = [], drawn = {};
  function buildParcels() {
    parcelShapes = decode(P.geometry);
    parcelBoxes = parcelShapes.boxes;
    parcelGrid = {};
    parcelBoxes.forEach(function (b, i) {
      for (var x = Math.floor(b[1] / CELL); x <= Math.floor(b[3] / CELL); x++) {
        for (var y = Math.floor(b[0] / CELL); y <= Math.floor(b[2] / CELL); y++) {
          (parcelGrid[x + ":" + y] = parcelGrid[x + ":" + y] || []).push(i);
        }
      }
    });
  }
  function parcelLayerOf(i) {
    if (!parcelLayers[i]) {
      var layer = L.polygon(parcelShapes[i], {
        renderer: canvas, color: "#333", weight: 0.7, dashArray: PARCEL_DASH[P.state[i]],
        fillColor: D.stateColors[P.state[i]], fillOpacity: 0.8,
      });
      layer.bindPopup(function () { return parcelPopup(i); });
      parcelLayers[i] = layer;
    }
    return parcelLayers[i];
  }
  function syncParcels() {
    if (!parcelShapes || level() !== 2) return;
    var view = map.getBounds().pad(0.25);
    var s = view.getSouth(), w = view.getWest(), n = view.getNorth(), e = view.getEast();
    var want = {};
    for (var x = Math.floor(w / CELL); x <= Math.floor(e / CELL); x++) {
      for (var y = Math.floor(s / CELL); y <= Math.floor(n / CELL); y++) {
        (parcelGrid[x + ":" + y] || []).forEach(function (i) {
          var b = parcelBoxes[i];
          if (shown(i) && b[0] <= n && b[2] >= s && b[1] <= e && b[3] >= w) want[i] = true;
        });
      }
    }
    Object.keys(drawn).forEach(function (i) {
      if (!want[i]) { parcelGroup.removeLayer(parcelLayers[i]); delete drawn[i]; }
    });
    Object.keys(want).forEach(function (i) {
      if (!drawn[i]) { parcelGroup.addLayer(parcelLayerOf(Number(i))); drawn[i] = true; }
    });
  }
  function shown(i) { return segmentOn[P.segment[i]] && (P.milieu[i] < 0 || milieuOn[P.milieu[i]]); }
  function applyFilters() {
    syncParcels();
    summarise();
  }

  // ---- Municipalities: labels at province zoom, a layer with their figures ----
  var municipalLayer = L.featureGroup();
  var labels = L.featureGroup();
  var municipalShapes = M.geometry ? decode(M.geometry) : null;
  var muniUnsold = M.figures.map(function (f) { return (f[0] || 0) + (f[1] || 0); });
  var maxMuni = Math.max.apply(null, muniUnsold.concat([1e-9]));
  function municipalRows(i) {
    var f = M.figures[i];
    var rows = [
      ["Harde plancapaciteit", ha(f[0])],
      ["Zachte plancapaciteit", ha(f[1])],
      ["Terstond uitgeefbaar", ha(f[2])],
      ["Uitgifte per jaar", ha(f[3])],
      ["Voorraad (hard)", years(f[4])],
      ["Afspraken", M.status[i] < 0 ? "–" : D.agreementStates[M.status[i]]],
      ["Gegevens van", M.dataDate[i] || "–"],
    ];
    if (M.oordeel) rows.push(["Oordeel vraag en aanbod", M.oordeel[i] || "–"]);
    return rows;
  }
  function agreementText(a) {
    var limit = missing(a.max) ? "" : " van " + ha(a.max);
    return a.id + " " + a.gebied + ", " + (a.segment || "alle segmenten") + ", " + a.kind + ": " +
      ha(a.actual) + limit + " (" + a.status.replace(/_/g, " ") + ")";
  }
  function municipalPopup(i) {
    var box = rowsTable(M.name[i], municipalRows(i));
    M.agreements[i].forEach(function (a) {
      var line = el("div", "tr-agreement", agreementText(a));
      var status = D.agreementKeys.indexOf(a.status);
      if (status >= 0) line.style.borderLeftColor = D.agreementColors[status];
      box.appendChild(line);
    });
    return box;
  }
  // the municipality layer's colour: agreement status, or the demand verdict
  var byVerdict = D.municipalColour === "oordeel" && M.oordeel;
  function municipalColour(i) {
    if (byVerdict) {
      var v = D.verdicts.indexOf(M.oordeel[i]);
      return v < 0 ? "#BBBBBB" : D.verdictColors[v];
    }
    return M.status[i] < 0 ? "#BBBBBB" : D.agreementColors[M.status[i]];
  }
  M.name.forEach(function (name, i) {
    var colour = municipalColour(i);
    var style = { renderer: lowCanvas, pane: "tr-municipal", color: "#1a1a1a", weight: 1.5,
      dashArray: "8 4", fillColor: colour, fillOpacity: 0.35 };
    var shape = municipalShapes && municipalShapes[i];
    var layer = shape && shape.length ? L.polygon(shape, style)
      : L.circleMarker(M.center[i], Object.assign(style, { radius: 6 + 30 * Math.sqrt(muniUnsold[i] / maxMuni) }));
    layer.bindPopup(function () { return municipalPopup(i); });
    layer.addTo(municipalLayer);
    var label = L.tooltip({ permanent: true, direction: "center", className: "tr-label", interactive: false,
      offset: [0, 0] })
      .setLatLng(M.center[i]).setContent(el("span", null, name));
    labels.addLayer(label);
  });
  // Labels stay short (the figures are in the popups) and never cover each other or a
  // park's circle: each tries a few places around its municipality's centre, the
  // municipalities with the most land first, and hides when none is free.
  // names of the parks at municipality zoom, placed the same way
  var parkLabels = L.featureGroup();
  K.name.forEach(function (name, i) {
    L.tooltip({ permanent: true, direction: "center", className: "tr-label tr-park-label",
      interactive: false, offset: [0, 0] }).setLatLng(K.center[i]).setContent(el("span", null, name))
      .addTo(parkLabels);
  });
  function largestFirst(sizes) {
    return sizes.map(function (_, i) { return i; }).sort(function (a, b) { return sizes[b] - sizes[a]; });
  }
  var labelSets = [
    { group: labels, centers: M.center, order: largestFirst(muniUnsold), circles: true },
    { group: parkLabels, centers: K.center, order: largestFirst(unsold), circles: false },
  ];
  function shapeBoxes() {
    return (fills || []).map(function (f) {
      var b = f.getBounds(), a = map.latLngToContainerPoint(b.getNorthWest());
      var c = map.latLngToContainerPoint(b.getSouthEast());
      return [a.x, a.y, c.x, c.y];
    });
  }
  function intersects(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function placeSet(set) {
    var tips = set.group.getLayers();
    // what a label must not cover: the circles at province zoom, the park shapes closer
    var taken = set.circles ? markers.map(function (m) {
      var p = map.latLngToContainerPoint(m.getLatLng()), r = m.getRadius() + 1;
      return [p.x - r, p.y - r, p.x + r, p.y + r];
    }) : shapeBoxes();
    set.order.forEach(function (i) {
      var tip = tips[i], node = tip.getElement();
      if (!node) return;
      var w = node.offsetWidth, h = node.offsetHeight, p = map.latLngToContainerPoint(set.centers[i]);
      var shifts = [[0, 0]];
      [10, 28, 50].forEach(function (d) {
        shifts.push([0, -h / 2 - d], [0, h / 2 + d], [w / 2 + d, 0], [-w / 2 - d, 0],
          [w / 2 + d, -h / 2 - d], [-w / 2 - d, -h / 2 - d], [w / 2 + d, h / 2 + d], [-w / 2 - d, h / 2 + d]);
      });
      var free = null;
      for (var s = 0; s < shifts.length && !free; s++) {
        var x = p.x + shifts[s][0], y = p.y + shifts[s][1];
        var box = [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
        if (!taken.some(function (b) { return intersects(box, b); })) free = [shifts[s], box];
      }
      node.style.visibility = free ? "visible" : "hidden";
      if (!free) return;
      taken.push(free[1]);
      tip.options.offset = L.point(free[0][0], free[0][1]);
      tip.update();
    });
  }
  function placeLabels() {
    labelSets.forEach(function (set) { if (map.hasLayer(set.group)) placeSet(set); });
  }
  map.on("zoomend moveend", placeLabels);

  // ---- Zoom levels: symbols and labels; park shapes; parcels ----
  function level() {
    var z = map.getZoom();
    return z >= D.parcelZoom ? 2 : z >= D.parkZoom ? 1 : 0;
  }
  function updateZoom() {
    var lv = level();
    if (lv >= 1) parkShapesBuilt();
    if (lv === 2 && !parcelShapes) buildParcels();
    [[parkMarkers, 0], [labels, 0], [parkFills, 1], [parkLabels, 1], [parcelGroup, 2], [parkOutlines, 2]].forEach(function (pair) {
      if (pair[1] === lv) pair[0].addTo(map); else map.removeLayer(pair[0]);
    });
    syncParcels();
  }
  map.on("zoomend", updateZoom);
  map.on("moveend", syncParcels);

  // ---- The side panel: colour switch, layers, filters ----
  function choice(parent, type, name, label, checked, onChange) {
    var row = el("label");
    var input = el("input");
    input.type = type;
    input.name = name;
    input.checked = checked;
    input.addEventListener("change", function () { onChange(input.checked); });
    row.appendChild(input);
    row.appendChild(el("span", null, label));
    parent.appendChild(row);
    return input;
  }
  Object.keys(PALETTES).forEach(function (key) {
    choice($("tr-colour"), "radio", "tr-colour", PALETTES[key].title, key === colourBy, function (on) {
      if (on) { colourBy = key; recolour(); }
    });
  });
  choice($("tr-layers"), "checkbox", "tr-municipal", T.gemeenten, false, function (on) {
    if (on) municipalLayer.addTo(map); else map.removeLayer(municipalLayer);
    drawLegend();
  });
  var baseRow = el("label", null, T.base);
  baseRow.htmlFor = "tr-base";
  var baseSelect = el("select");
  baseSelect.id = "tr-base";
  baseNames.forEach(function (name, i) {
    var option = el("option", null, name);
    option.value = String(i);
    baseSelect.appendChild(option);
  });
  baseSelect.addEventListener("change", function () {
    map.removeLayer(base);
    base = baseLayers[Number(baseSelect.value)].addTo(map);
  });
  $("tr-layers").appendChild(baseRow);
  $("tr-layers").appendChild(baseSelect);
  function present(codes, count) {
    var has = new Array(count).fill(false);
    codes.forEach(function (c) { has[c] = true; });
    return has;
  }
  [["tr-segments", D.segments, segmentOn, P.segment], ["tr-milieus", D.milieus, milieuOn, P.milieu]].forEach(function (g) {
    var has = present(g[3], g[1].length);
    g[1].forEach(function (name, code) {
      if (!has[code]) return;
      choice($(g[0]), "checkbox", g[0], name, true, function (on) { g[2][code] = on; applyFilters(); });
    });
  });

  // ---- Legend: what the colours and patterns on the map mean now ----
  function legendBlock(box, title, labels_, colors, className, patterns) {
    box.appendChild(el("div", "tr-legend-title", title));
    labels_.forEach(function (label, code) {
      var row = el("div", "tr-legend-row");
      var swatch = el("span", "tr-swatch " + className + (patterns ? " tr-pattern-" + code : ""));
      swatch.style.background = colors[code];
      row.appendChild(swatch);
      row.appendChild(el("span", null, label));
      box.appendChild(row);
    });
  }
  // circles of round sizes, drawn as on the map: the two largest no bigger than the largest park
  function sizeKey() {
    var key = el("div", "tr-size-key");
    var sizes = [1, 5, 10, 50, 100, 500, 1000].filter(function (v) { return v <= maxUnsold; }).slice(-2);
    if (!sizes.length) sizes = [maxUnsold];
    sizes.forEach(function (v) {
      var row = el("div", "tr-legend-row");
      var size = 2 * 24 * Math.sqrt(v / maxUnsold);
      var circle = el("span", "tr-size-circle");
      circle.style.width = circle.style.height = size + "px";
      row.appendChild(circle);
      row.appendChild(el("span", null, num(v, v < 1 ? 2 : 0) + " ha"));
      key.appendChild(row);
    });
    return key;
  }
  function drawLegend() {
    var box = $("tr-legend-body");
    box.textContent = "";
    var palette = PALETTES[colourBy];
    var used = present(K[colourBy], palette.labels.length);
    legendBlock(box, T.parks + " (" + palette.title.toLowerCase() + ")",
      palette.labels.filter(function (_, c) { return used[c]; }),
      palette.colors.filter(function (_, c) { return used[c]; }), "tr-round", colourBy === "cls");
    box.appendChild(el("div", null, T.sizeNote));
    box.appendChild(sizeKey());
    legendBlock(box, T.legend, D.states, D.stateColors, "", false);
    if (map.hasLayer(municipalLayer) && byVerdict) {
      legendBlock(box, T.gemeentenOordeel, D.verdicts.concat([T.noVerdict]),
        D.verdictColors.concat(["#BBBBBB"]), "tr-pattern-1", false);
    } else if (map.hasLayer(municipalLayer)) {
      legendBlock(box, T.gemeenten, D.agreementStates.concat([T.noAgreements]),
        D.agreementColors.concat(["#BBBBBB"]), "tr-pattern-1", false);
    }
  }

  // ---- Summary: what is in view, or one municipality ----
  var area = $("tr-summary-area");
  [T.inView].concat(M.name).forEach(function (name, i) {
    var option = el("option", null, name);
    option.value = String(i - 1);
    area.appendChild(option);
  });
  area.addEventListener("change", function () {
    var i = Number(area.value);
    if (i >= 0) {
      var inside = K.gemeente.map(function (g, k) { return g === M.name[i] ? K.center[k] : null; }).filter(Boolean);
      if (inside.length) map.fitBounds(L.latLngBounds(inside).pad(0.3), { maxZoom: D.parkZoom, animate: false });
    }
    summarise();
  });
  function summarise() {
    var chosen = Number(area.value);
    var bounds = map.getBounds();
    var inPark = K.center.map(function (c, k) {
      return chosen >= 0 ? K.gemeente[k] === M.name[chosen] : bounds.contains(c);
    });
    var sums = { hard: 0, soft: 0, now: 0, sold: 0, parks: 0 };
    inPark.forEach(function (yes) { if (yes) sums.parks += 1; });
    for (var i = 0; i < P.id.length; i++) {
      if (!inPark[P.park[i]] || !shown(i)) continue;
      var s = P.state[i], h = P.ha[i] || 0;
      if (s === 0 || s === 1 || s === 3) sums.hard += h;
      if (s === 0) sums.now += h;
      if (s === 2) sums.soft += h;
      if (P.sold[i]) sums.sold += h;
    }
    var dl = $("tr-summary-figures");
    dl.textContent = "";
    [
      ["Terreinen", String(sums.parks)],
      ["Harde plancapaciteit", ha(sums.hard)],
      ["waarvan terstond uitgeefbaar", ha(sums.now)],
      ["Zachte plancapaciteit", ha(sums.soft)],
      ["Uitgifte per jaar", D.takeupYears > 0 ? ha(sums.sold / D.takeupYears) : "–"],
    ].forEach(function (pair) {
      dl.appendChild(el("dt", null, pair[0]));
      dl.appendChild(el("dd", null, pair[1]));
    });
  }
  map.on("moveend", summarise);

  // ---- Details: a park's popup, reachable by keyboard; Esc closes ----
  var returnFocus = null;
  function showPark(i, from) {
    var bounds = parkShapesBuilt()[i].getBounds();
    map.fitBounds(bounds, { maxZoom: Math.max(D.parcelZoom, 14), animate: false });
    var popup = L.popup().setLatLng(bounds.getCenter()).setContent(parkPopup(i)).openOn(map);
    returnFocus = from || null;
    popup.getElement().querySelector(".tr-popup").focus();
    return K.name[i];
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && map._popup && map.hasLayer(map._popup)) {
      map.closePopup();
      if (returnFocus) returnFocus.focus();
    }
  });
  function findIn(names, needle, exact) {
    return names.findIndex(function (n) {
      var name = String(n).toLowerCase();
      return exact ? name === needle : name.indexOf(needle) >= 0;
    });
  }
  function findPark(text) {
    var needle = String(text).trim().toLowerCase();
    if (!needle) return -1;
    var exact = findIn(K.name, needle, true);
    return exact >= 0 ? exact : findIn(K.name, needle, false);
  }
  // a park by its name, else a municipality or a town: its parks
  function findPlace(text) {
    var needle = String(text).trim().toLowerCase();
    if (!needle) return null;
    var kinds = [[K.name, T.terrein], [M.name, T.gemeente], [K.kern, T.kern]];
    for (var pass = 0; pass < 2; pass++) {
      for (var k = 0; k < kinds.length; k++) {
        var i = findIn(kinds[k][0], needle, pass === 0);
        if (i < 0) continue;
        if (k === 0) return { park: i };
        var name = kinds[k][0][i];
        var column = k === 1 ? K.gemeente : K.kern;
        var parks = column.map(function (v, j) { return v === name ? j : -1; })
          .filter(function (j) { return j >= 0; });
        return { label: kinds[k][1] + " " + name, parks: parks };
      }
    }
    return null;
  }
  function showPlace(place) {
    var centers = place.parks.map(function (j) { return K.center[j]; });
    map.fitBounds(L.latLngBounds(centers).pad(0.3), { maxZoom: D.parkZoom, animate: false });
    return place.label + ": " + place.parks.length + " " + T.parks.toLowerCase();
  }
  var input = $("tr-search-input");
  var suggested = {};
  K.name.concat(M.name, K.kern).forEach(function (name) {
    if (!name || suggested[name]) return;
    suggested[name] = true;
    var option = el("option");
    option.value = name;
    $("tr-parks").appendChild(option);
  });
  $("tr-search").addEventListener("submit", function (e) {
    e.preventDefault();
    var place = findPlace(input.value);
    $("tr-search").classList.toggle("tr-not-found", !place);
    if (!place) {
      $("tr-search-status").textContent = T.notFound;
    } else if (place.park !== undefined) {
      $("tr-search-status").textContent = K.name[place.park] + ", " + K.gemeente[place.park];
      showPark(place.park, input);
    } else {
      $("tr-search-status").textContent = showPlace(place);
    }
  });

  // ---- The table alternative: every park and municipality, sortable ----
  function sortable(table, head, rows) {
    var thead = el("thead"), tr = el("tr"), tbody = el("tbody");
    head.forEach(function (h, c) {
      var th = el("th", h[1] ? "tr-num" : null);
      th.scope = "col";
      var button = el("button", null, h[0]);
      button.type = "button";
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(tr.children, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = a.keys[c], y = b.keys[c];
          var order = typeof x === "number" || typeof y === "number"
            ? (missing(x) ? -Infinity : x) - (missing(y) ? -Infinity : y)
            : String(x).localeCompare(String(y), "nl");
          return up ? order : -order;
        });
        rows.forEach(function (r) { tbody.appendChild(r.node); });
      });
      th.appendChild(button);
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    rows.forEach(function (r) { tbody.appendChild(r.node); });
    table.appendChild(tbody);
  }
  function tableRow(cells, keys) {
    var tr = el("tr");
    cells.forEach(function (cell, c) {
      var td = el("td", typeof keys[c] === "number" || keys[c] === null ? "tr-num" : null);
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
      tr.appendChild(td);
    });
    return { node: tr, keys: keys };
  }
  function buildTables() {
    sortable($("tr-park-table"), [["Terrein"], ["Gemeente"], [T.klasse], ["Bruto", 1], ["Harde plancapaciteit", 1],
      ["Terstond uitgeefbaar", 1], ["Zachte plancapaciteit", 1], ["Uitgifte per jaar", 1], ["Voorraad (hard)", 1]],
    K.name.map(function (name, i) {
      var f = K.figures[i];
      var button = el("button", null, name);
      button.type = "button";
      button.addEventListener("click", function () { map.getContainer().scrollIntoView(); showPark(i, button); });
      return tableRow([button, K.gemeente[i], D.parkClasses[K.cls[i]], ha(f[0]), ha(f[4]), ha(f[3]), ha(f[5]), ha(f[7]), years(f[8])],
        [name, K.gemeente[i], K.cls[i], f[0], f[4], f[3], f[5], f[7], f[8]]);
    }));
    var muniHead = [["Gemeente"], ["Harde plancapaciteit", 1], ["Zachte plancapaciteit", 1], ["Terstond uitgeefbaar", 1],
      ["Uitgifte per jaar", 1], ["Voorraad (hard)", 1], ["Afspraken"], ["Gegevens van"]];
    if (M.oordeel) muniHead.push(["Oordeel vraag en aanbod"]);
    sortable($("tr-municipality-table"), muniHead, M.name.map(function (name, i) {
      var rows = municipalRows(i);
      var cells = [name].concat(rows.slice(0, 5).map(function (r) { return r[1]; }), [rows[5][1], rows[6][1]]);
      var keys = [name].concat(M.figures[i], [rows[5][1], M.dataDate[i]]);
      if (M.oordeel) { cells.push(rows[7][1]); keys.push(rows[7][1]); }
      return tableRow(cells, keys);
    }));
  }

  // ---- Method: title, as-of date, source, data dates, more information ----
  // the title is in the page as escaped HTML already; as text it also keeps a carriage return
  document.title = D.title;
  document.querySelector("h1").textContent = D.title;
  $("tr-lead").textContent = T.lead + " " + D.dates + ".";
  [["Peildatum", D.asOf], ["Bron", D.source], ["Gegevens per gemeente", T.dataDates],
    ["Uitgifte per jaar", D.takeupMethod]].forEach(function (pair) {
    $("tr-method-facts").appendChild(el("dt", null, pair[0]));
    $("tr-method-facts").appendChild(el("dd", null, pair[1]));
  });
  if (D.moreInfo) {
    var link = el("a", null, T.moreInfo);
    link.href = D.moreInfo;  // checked to be http(s) when the page was built
    $("tr-more").appendChild(link);
  }

  // ---- find: the search point, the radius, the matches ranked ----
  if (F) {
    $("tr-found").hidden = false;
    var foundLayer = L.featureGroup().addTo(map);
    if (F.point) {
      L.circleMarker(F.point, { renderer: canvas, radius: 7, color: "#fff", weight: 2, fillColor: "#1a1a1a", fillOpacity: 1 })
        .bindTooltip(el("span", null, T.point), { permanent: true, direction: "right", className: "tr-label" })
        .addTo(foundLayer);
      if (F.radius) {
        L.circle(F.point, { renderer: canvas, radius: F.radius, color: "#1a1a1a", weight: 2, dashArray: "6 6", fill: false, interactive: false })
          .addTo(foundLayer);
      }
    }
    decode(F.geometry).forEach(function (shape, i) {
      var outline = L.polygon(shape, { renderer: canvas, color: "#1a1a1a", weight: F.combination[i] ? 4 : 2.5,
        dashArray: F.combination[i] ? "10 5" : null, fill: false }).addTo(foundLayer);
      outline.bindTooltip(el("span", null, String(i + 1)), { permanent: true, direction: "center", className: "tr-rank" });
      var text = (i + 1) + ". " + (F.combination[i] ? T.combination + " " : "") + F.id[i] + ", " + F.terrein[i] +
        ", " + ha(F.ha[i]) + (missing(F.distance[i]) ? "" : ", " + num(F.distance[i], 1) + " km");
      var item = el("li");
      var button = el("button", null, text);
      button.type = "button";
      button.addEventListener("click", function () { map.fitBounds(outline.getBounds(), { maxZoom: 17, animate: false }); });
      item.appendChild(button);
      $("tr-found-list").appendChild(item);
    });
  }

  // no animation: a zoom asked for while one runs would be dropped
  map.fitBounds(D.bounds, { animate: false });
  updateZoom();
  recolour();
  summarise();
  placeLabels();

  // For tests and for pages that embed the map
  window.terreinenMap = {
    map: map,
    bounds: D.bounds,
    parcelGroup: parcelGroup,
    municipalities: municipalLayer,
    parkSymbols: function () {
      return markers.map(function (m) {
        var p = map.latLngToContainerPoint(m.getLatLng());
        return { radius: m.getRadius(), colour: m.options.fillColor, x: p.x, y: p.y };
      });
    },
    parks: function () { return K.name.map(function (n, i) { return [K.gemeente[i], n]; }); },
    center: function (i) { return K.center[i]; },
    parkShapeBoxes: shapeBoxes,
    contextCount: function () { return contextLayer.getLayers().length; },
    parcelCount: function () { return parcelShapes ? parcelShapes.length : 0; },
    // the parcels the filters let through; of those, the ones near the view are drawn
    shownParcels: function () { return P.id.filter(function (_, i) { return shown(i); }).length; },
    drawnParcels: function () { return Object.keys(drawn).map(function (i) { return P.id[i]; }); },
    parcelLayer: function (id) {
      var i = P.id.indexOf(id);
      if (i < 0) return null;
      if (!parcelShapes) buildParcels();
      return parcelLayerOf(i);
    },
    findPark: function (text) { var i = findPark(text); return i < 0 ? null : showPark(i); },
    findPlace: function (text) {
      var place = findPlace(text);
      if (!place) return null;
      return place.park !== undefined ? showPark(place.park) : showPlace(place);
    },
    firstDraw: null,
  };
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      window.terreinenMap.firstDraw = performance.now();
      buildTables();  // below the map: after its first frame
      window.terreinenMap.ready = true;
    });
  });
})();
