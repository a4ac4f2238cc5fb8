// The lrlearn book's own page behaviour (added to every page by book/_ext/lrlearn_book.py):
// figures open full size on click and always carry alt text; search snippets show formulas as
// text instead of raw LaTeX.
(function () {
  "use strict";

  // -- figures ----------------------------------------------------------------------------------
  var FIGURES = "article .cell_output img, article figure img, article img.lrlearn-figure";

  // The words a PNG carries in its "Description" text chunk (tEXt or uncompressed iTXt).
  function pngDescription(bytes) {
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var latin1 = new TextDecoder("latin1"), utf8 = new TextDecoder("utf-8");
    for (var at = 8; at + 8 <= bytes.length;) {
      var size = view.getUint32(at), type = latin1.decode(bytes.subarray(at + 4, at + 8));
      var data = bytes.subarray(at + 8, at + 8 + size);
      if (type === "tEXt" || type === "iTXt") {
        var zero = data.indexOf(0);
        if (latin1.decode(data.subarray(0, zero)) === "Description") {
          if (type === "tEXt") return latin1.decode(data.subarray(zero + 1));
          if (data[zero + 1] !== 0) return "";  // compressed: not written by lrlearn
          var rest = zero + 3;
          rest = data.indexOf(0, rest) + 1;  // language tag
          rest = data.indexOf(0, rest) + 1;  // translated keyword
          return utf8.decode(data.subarray(rest));
        }
      }
      if (type === "IDAT" || type === "IEND") return "";
      at += 12 + size;
    }
    return "";
  }

  function describe(img) {
    // A widget figure (the Image widget has no alt) carries its description in the PNG; a
    // Markdown figure has a caption.
    if (img.getAttribute("alt") || img.dataset.lrlearnDescribed) return;
    img.dataset.lrlearnDescribed = "1";
    var figure = img.closest("figure");
    var caption = figure && figure.querySelector("figcaption");
    if (caption && caption.textContent.trim()) {
      img.setAttribute("alt", caption.textContent.trim());
      return;
    }
    fetch(img.currentSrc || img.src)
      .then(function (r) { return r.arrayBuffer(); })
      .then(function (buffer) {
        var text = pngDescription(new Uint8Array(buffer));
        if (text) img.setAttribute("alt", text);
      })
      .catch(function () {});
  }

  function close(box) {
    box.remove();
    document.removeEventListener("keydown", box._onKey);
  }

  function enlarge(img) {
    var box = document.createElement("div");
    box.className = "lrlearn-lightbox";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", img.getAttribute("alt") || "figure");
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.getAttribute("alt") || "";
    box.appendChild(big);
    box.addEventListener("click", function () { close(box); });
    box._onKey = function (e) { if (e.key === "Escape") close(box); };
    document.addEventListener("keydown", box._onKey);
    document.body.appendChild(box);
  }

  document.addEventListener("click", function (e) {
    var img = e.target.closest && e.target.closest(FIGURES);
    if (!img || img.closest("a")) return;
    enlarge(img);
  });

  function describeAll() {
    document.querySelectorAll(FIGURES).forEach(describe);
  }
  // Widget figures appear once the widget manager has rendered the saved state.
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; describeAll(); });
  }).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", describeAll);

  // -- search snippets --------------------------------------------------------------------------
  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", eta: "η",
    theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", pi: "π", rho: "ρ", sigma: "σ",
    tau: "τ", phi: "φ", omega: "ω", Sigma: "Σ", Delta: "Δ", Lambda: "Λ", nabla: "∇",
    partial: "∂", sum: "Σ", prod: "Π", infty: "∞", cdot: "·", times: "×", approx: "≈",
    le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", to: "→", rightarrow: "→",
    leftarrow: "←", gets: "←", in: "∈", sqrt: "√", pm: "±", ll: "≪", gg: "≫", propto: "∝",
    lVert: "‖", rVert: "‖", Vert: "‖", mid: "|", ldots: "…", dots: "…", cdots: "⋯"
  };

  function latexToText(tex) {
    var s = tex.replace(/^\s*(\\\(|\\\[|\$\$?)/, "").replace(/(\\\)|\\\]|\$\$?)\s*$/, "");
    for (var i = 0; i < 4; i++) {
      s = s.replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)");
    }
    s = s.replace(/\\(?:mathrm|mathbf|mathit|text|textrm|operatorname|mathcal|boldsymbol)\s*\{([^{}]*)\}/g, "$1");
    s = s.replace(/\\(?:left|right|big|Big|bigg|Bigg)\b\s*/g, "");
    s = s.replace(/\\([A-Za-z]+)/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(SYMBOLS, name) ? SYMBOLS[name] : name;
    });
    s = s.replace(/\\[,;:! ]/g, " ").replace(/\\\\/g, " ").replace(/[{}]/g, "");
    s = s.replace(/&/g, " ").replace(/\s+/g, " ");
    return s.trim();
  }
  window.lrlearnLatexToText = latexToText;

  function patchSearch() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search._lrlearn) return;
    var htmlToText = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math, mjx-container").forEach(function (el) {
        el.replaceWith(doc.createTextNode(" " + latexToText(el.textContent) + " "));
      });
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search._lrlearn = true;
  }
  patchSearch();
  document.addEventListener("DOMContentLoaded", patchSearch);
})();
