(function () {
  "use strict";
  var map = __MAP__;
  var D = __DATA__;
  var canvas = L.canvas({ padding: 0.5 });

  // Text from the data only ever reaches the page as text: through textContent, or escaped
  // where Leaflet takes HTML (layer control labels).
  function esc(text) {
    return String(text).replace(/[&<>"'`$]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function ha(value) {
    return value === null || value === undefined || isNaN(value)
      ? "–"
      : Number(value).toLocaleString("nl-NL", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " ha";
  }
  function num(value, digits) {
    return value === null || value === undefined || isNaN(value)
      ? "–"
      : Number(value).toLocaleString("nl-NL", { maximumFractionDigits: digits });
  }
  function table(title, rows) {
    var box = el("div", "tr-popup");
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
    var features = [], k = 0, ring = 0, poly = 0;
    var x = enc.origin[0], y = enc.origin[1], s = enc.scale;
    for (var f = 0; f < enc.parts.length; f++) {
      var polygons = [];
      for (var p = 0; p < enc.parts[f]; p++, poly++) {
        var rings = [];
        for (var r = 0; r < enc.rings[poly]; r++, ring++) {
          var points = [];
          for (var i = 0; i < enc.points[ring]; i++, k += 2) {
            x += enc.xy[k];
            y += enc.xy[k + 1];
            points.push([y / s, x / s]);
          }
          rings.push(points);
        }
        polygons.push(rings);
      }
      features.push(polygons.length === 1 ? polygons[0] : polygons);
    }
    return features;
  }

  // Base layers, and a plain background for when no tiles load
  var baseLayers = {};
  D.tiles.forEach(function (t) {
    baseLayers[esc(t.name)] = L.tileLayer(t.url, { attribution: t.attribution, maxZoom: 19 });
  });
  baseLayers[esc(D.text.plain)] = L.layerGroup();
  baseLayers[Object.keys(baseLayers)[0]].addTo(map);

  var P = D.parcels;
  var parks = D.parks;
  var parkShapes = decode(parks.geometry);

  // Parks: outline with name, popup with capacity; filled by availability at low zoom
  function parkPopup(i) {
    var f = parks.figures[i];
    return table(parks.name[i], [
      [D.text.gemeente, parks.gemeente[i]],
      ["Bruto", ha(f[0])],
      ["Netto", ha(f[1])],
      ["Uitgegeven", ha(f[2])],
      ["Terstond uitgeefbaar", ha(f[3])],
      ["Harde plancapaciteit", ha(f[4])],
      ["Zachte plancapaciteit", ha(f[5])],
      ["Grootste kavel", ha(f[6])],
      ["Uitgifte per jaar", ha(f[7])],
      ["Voorraad (jaren, hard)", num(f[8], 1)],
    ]);
  }
  var parkOutlines = L.featureGroup();
  var parkFills = L.featureGroup();
  var parkMarkers = L.featureGroup();
  var parkLayers = [];
  parkShapes.forEach(function (shape, i) {
    var marker = L.circleMarker(parks.center[i], {
      renderer: canvas, color: "#333", weight: 1, radius: parks.radius[i],
      fillColor: D.parkColors[parks.state[i]], fillOpacity: 0.85,
    });
    marker.bindTooltip(el("span", null, parks.name[i]));
    marker.bindPopup(function () { return parkPopup(i); });
    marker.addTo(parkMarkers);
    var outline = L.polygon(shape, {
      renderer: canvas, color: "#333", weight: 1.2, fill: false, interactive: false,
    });
    var fill = L.polygon(shape, {
      renderer: canvas, color: "#333", weight: 1, fillColor: D.parkColors[parks.state[i]], fillOpacity: 0.75,
    });
    fill.bindTooltip(el("span", null, parks.name[i]), { sticky: true });
    fill.bindPopup(function () { return parkPopup(i); });
    outline.addTo(parkOutlines);
    fill.addTo(parkFills);
    parkLayers.push(fill);
  });

  // Parcels: created the first time they are needed, shown from parcelZoom on
  var parcelGroup = L.featureGroup();
  var parcelLayers = null;
  var segmentOn = P.segments.map(function () { return true; });
  var milieuOn = P.milieu.map(function () { return true; });

  function parcelPopup(i) {
    var rows = [
      [D.text.terrein, parks.name[P.park[i]]],
      [D.text.gemeente, parks.gemeente[P.park[i]]],
      ["Oppervlakte", ha(P.ha[i])],
      ["Status", D.states[P.state[i]]],
      ["Planfase", P.planfase[i] === null ? "–" : P.planfase[i] + " " + D.phases[P.planfase[i]]],
      ["Milieucategorie", P.milieu[P.milieuCode[i]]],
      ["Segment", P.segments[P.segmentCode[i]]],
      ["Eigenaar", P.owner[i] < 0 ? "–" : D.owners[P.owner[i]]],
      ["Prijs", P.price[i] === null ? "–" : "€ " + num(P.price[i], 2) + " per m²"],
      ["Bijgewerkt", P.updated[i] || "–"],
    ];
    if (P.notes[i]) rows.push(["Opmerking", P.notes[i]]);
    return table(D.text.kavel + " " + P.id[i], rows);
  }
  function buildParcels() {
    var shapes = decode(P.geometry);
    parcelLayers = shapes.map(function (shape, i) {
      var layer = L.polygon(shape, {
        renderer: canvas, color: "#555", weight: 0.5, fillColor: D.stateColors[P.state[i]], fillOpacity: 0.8,
      });
      layer.bindPopup(function () { return parcelPopup(i); });
      layer.parcelIndex = i;
      return layer;
    });
    applyFilters();
  }
  function applyFilters() {
    if (!parcelLayers) return;
    parcelLayers.forEach(function (layer, i) {
      var visible = segmentOn[P.segmentCode[i]] && milieuOn[P.milieuCode[i]];
      var shown = parcelGroup.hasLayer(layer);
      if (visible && !shown) parcelGroup.addLayer(layer);
      if (!visible && shown) parcelGroup.removeLayer(layer);
    });
  }
  // Zoomed out: a circle per park; closer: park shapes; closest: the parcels
  function updateZoom() {
    var zoom = map.getZoom();
    var level = zoom >= D.parcelZoom ? 2 : zoom >= D.parkZoom ? 1 : 0;
    if (level === 2 && !parcelLayers) buildParcels();
    [[parkMarkers, 0], [parkFills, 1], [parcelGroup, 2], [parkOutlines, 2]].forEach(function (pair) {
      if (pair[1] === level) pair[0].addTo(map);
      else map.removeLayer(pair[0]);
    });
  }
  map.on("zoomend", updateZoom);

  // Municipalities: proportional symbols, or a choropleth when boundaries are given
  var M = D.municipalities;
  var municipalityLayer = L.featureGroup();
  function municipalityPopup(i) {
    var f = M.figures[i];
    var rows = [
      ["Harde plancapaciteit", ha(f[0])],
      ["Zachte plancapaciteit", ha(f[1])],
      ["Uitgifte per jaar", ha(f[2])],
      ["Voorraad (jaren, hard)", num(f[3], 1)],
      ["Afspraken", M.status[i] || "–"],
    ];
    if (M.dataDate[i]) rows.push(["Laatste levering", M.dataDate[i]]);
    var box = table(M.name[i], rows);
    M.agreements[i].forEach(function (a) {
      box.appendChild(el("div", "tr-agreement tr-" + a.status, a.text));
    });
    return box;
  }
  var municipalityShapes = M.geometry ? decode(M.geometry) : null;
  M.name.forEach(function (name, i) {
    var style = { renderer: canvas, color: "#222", weight: 1, fillColor: M.color[i], fillOpacity: 0.55 };
    var shape = municipalityShapes && municipalityShapes[i];
    var layer = shape && shape.length
      ? L.polygon(shape, style)
      : L.circleMarker(M.center[i], Object.assign(style, { radius: M.radius[i] }));
    layer.bindTooltip(el("span", null, name));
    layer.bindPopup(function () { return municipalityPopup(i); });
    layer.addTo(municipalityLayer);
  });

  // Layer control: base layers; parks, municipalities, and a switch per segment and category
  var overlays = {};
  overlays[esc(D.text.gemeenten)] = municipalityLayer;
  var segmentSwitches = P.segments.map(function (name, code) {
    var group = L.layerGroup();
    group.switchKind = "segment"; group.switchCode = code;
    overlays["Segment: " + esc(name)] = group;
    return group;
  });
  var milieuSwitches = P.milieu.map(function (name, code) {
    var group = L.layerGroup();
    group.switchKind = "milieu"; group.switchCode = code;
    overlays["Milieucategorie " + esc(name)] = group;
    return group;
  });
  segmentSwitches.concat(milieuSwitches).forEach(function (g) { g.addTo(map); });
  var layerControl = L.control.layers(baseLayers, overlays, { collapsed: D.collapsed }).addTo(map);
  function onSwitch(on) {
    return function (e) {
      if (e.layer.switchKind === "segment") segmentOn[e.layer.switchCode] = on;
      else if (e.layer.switchKind === "milieu") milieuOn[e.layer.switchCode] = on;
      else return;
      applyFilters();
    };
  }
  map.on("overlayadd", onSwitch(true));
  map.on("overlayremove", onSwitch(false));

  // Legend: the states in their order
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var box = el("div", "tr-legend leaflet-control");
    function block(title, labels, colors, round) {
      box.appendChild(el("div", "tr-legend-title", title));
      labels.forEach(function (label, code) {
        var row = el("div", "tr-legend-row");
        var swatch = el("span", round ? "tr-swatch tr-round" : "tr-swatch");
        swatch.style.background = colors[code];
        row.appendChild(swatch);
        row.appendChild(el("span", null, label));
        box.appendChild(row);
      });
    }
    block(D.text.legend, D.states, D.stateColors, false);
    block(D.text.parks, D.parkStates, D.parkColors, true);
    return box;
  };
  legend.addTo(map);

  // Title
  if (D.title) {
    var title = L.control({ position: "topright" });
    title.onAdd = function () { return el("div", "tr-title leaflet-control", D.title); };
    title.addTo(map);
  }

  // Search a park by name
  function findPark(text) {
    var needle = String(text).trim().toLowerCase();
    if (!needle) return -1;
    var exact = parks.name.findIndex(function (n) { return n.toLowerCase() === needle; });
    if (exact >= 0) return exact;
    return parks.name.findIndex(function (n) { return n.toLowerCase().indexOf(needle) >= 0; });
  }
  function showPark(i) {
    var bounds = parkLayers[i].getBounds();
    map.fitBounds(bounds, { maxZoom: Math.max(D.parcelZoom, 14), animate: false });
    L.popup().setLatLng(bounds.getCenter()).setContent(parkPopup(i)).openOn(map);
    return parks.name[i];
  }
  var search = L.control({ position: "topleft" });
  search.onAdd = function () {
    var box = el("div", "tr-search leaflet-control leaflet-bar");
    var input = el("input");
    input.type = "search";
    input.placeholder = D.text.search;
    input.setAttribute("list", "tr-parks");
    input.setAttribute("aria-label", D.text.search);
    var list = el("datalist");
    list.id = "tr-parks";
    parks.name.forEach(function (name) {
      var option = el("option");
      option.value = name;
      list.appendChild(option);
    });
    input.addEventListener("change", function () {
      var i = findPark(input.value);
      box.classList.toggle("tr-not-found", i < 0);
      if (i >= 0) showPark(i);
    });
    L.DomEvent.disableClickPropagation(box);
    box.appendChild(input);
    box.appendChild(list);
    return box;
  };
  search.addTo(map);

  // Fullscreen, with the browser's own Fullscreen API
  var fullscreen = L.control({ position: "topleft" });
  fullscreen.onAdd = function () {
    var box = el("div", "leaflet-bar leaflet-control");
    var button = el("a", "tr-fullscreen");
    // a fixed icon, no data in it
    button.innerHTML = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
    button.href = "#";
    button.title = D.text.fullscreen;
    button.setAttribute("role", "button");
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.preventDefault(e);
      var container = map.getContainer();
      if (document.fullscreenElement) document.exitFullscreen();
      else if (container.requestFullscreen) container.requestFullscreen();
    });
    box.appendChild(button);
    return box;
  };
  fullscreen.addTo(map);
  document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });

  // no animation: a zoom asked for while one runs would be dropped
  map.fitBounds(D.bounds, { animate: false });
  updateZoom();

  // For tests and for pages that embed the map
  window.terreinenMap = {
    map: map,
    layerControl: layerControl,
    parcelGroup: parcelGroup,
    municipalities: municipalityLayer,
    parcelCount: function () { return parcelLayers ? parcelLayers.length : 0; },
    shownParcels: function () { return parcelGroup.getLayers().length; },
    parcelLayer: function (id) {
      var i = P.id.indexOf(id);
      if (i < 0) return null;
      if (!parcelLayers) buildParcels();
      return parcelLayers[i];
    },
    findPark: function (text) { var i = findPark(text); return i < 0 ? null : showPark(i); },
    firstDraw: null,
  };
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { window.terreinenMap.firstDraw = performance.now(); });
  });
})();
