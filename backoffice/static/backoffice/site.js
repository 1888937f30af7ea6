// Small page behaviours. Loaded as a file: the Content-Security-Policy allows no inline scripts.
// Every page works without them; they add select-all, phone table labels, limits as you type, the lightbox.

function selectAll() {
  for (const box of document.querySelectorAll("[data-select-all]")) {
    box.addEventListener("change", () => {
      for (const item of document.querySelectorAll(`input[name="${box.dataset.selectAll}"]`)) item.checked = box.checked;
    });
  }
}

function swatches() {
  for (const swatch of document.querySelectorAll(".swatch[data-color]")) {
    if (/^#[0-9a-f]{3,8}$/i.test(swatch.dataset.color)) swatch.style.backgroundColor = swatch.dataset.color;
  }
}

// On a phone each table row is a card: every cell is labelled with its column's header (site.css).
function tableLabels() {
  for (const table of document.querySelectorAll("main table")) {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!headers.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (!cell.hasAttribute("data-label") && cell.colSpan === 1) cell.dataset.label = headers[index] || "";
      });
    }
  }
}

// Text limits shown while typing ("120 / 150"), not discovered on saving.
function counters() {
  for (const field of document.querySelectorAll("main input[maxlength], main textarea[maxlength]")) {
    // only texts: numbers and areas are short by nature, their counters would be noise
    if (field.type === "hidden" || field.maxLength < 100 || field.maxLength > 100000 || !field.labels || !field.labels.length) continue;
    if (field.form && field.form.method === "get") continue;  // a search box, not something written
    const counter = document.createElement("span");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    const show = () => {
      counter.textContent = `${field.value.length.toLocaleString("en-IN")} / ${field.maxLength.toLocaleString("en-IN")}`;
      counter.classList.toggle("full", field.value.length >= field.maxLength);
    };
    field.after(counter);
    field.addEventListener("input", show);
    show();
  }
}

// The gallery's lightbox: any thumbnail button (button.zoom) opens its picture large; arrow keys or the
// buttons move through the thumbnails of the same gallery, Escape or Close shuts it and focus returns.
function lightbox() {
  const zooms = () => [...document.querySelectorAll("button.zoom[data-full]")];
  if (!zooms().length) return;
  const box = document.createElement("div");
  box.className = "lightbox";
  box.hidden = true;
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-label", "Picture");
  box.innerHTML = '<img alt=""><p class="caption"></p><div class="controls">'
    + '<button type="button" data-step="-1">‹ Previous</button><span class="position"></span>'
    + '<button type="button" data-step="1">Next ›</button><button type="button" class="close">Close</button></div>';
  document.body.append(box);
  const image = box.querySelector("img");
  let at = 0;
  let opener = null;
  const show = (index) => {
    const all = zooms();
    at = (index + all.length) % all.length;
    image.src = all[at].dataset.full;
    image.alt = all[at].dataset.caption || "";
    box.querySelector(".caption").textContent = all[at].dataset.caption || "";
    box.querySelector(".position").textContent = `${at + 1} of ${all.length}`;
  };
  const close = () => { box.hidden = true; if (opener) opener.focus(); };
  document.addEventListener("click", (event) => {
    const zoom = event.target.closest("button.zoom[data-full]");
    if (!zoom) return;
    opener = zoom;
    show(zooms().indexOf(zoom));
    box.hidden = false;
    box.querySelector(".close").focus();
  });
  box.addEventListener("click", (event) => {
    const step = event.target.closest("[data-step]");
    if (step) show(at + Number(step.dataset.step));
    else if (event.target.closest(".close") || event.target === box) close();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
    else if (event.key === "ArrowRight") show(at + 1);
    else if (event.key === "ArrowLeft") show(at - 1);
    else if (event.key === "Tab") {  // focus stays within the dialog
      const buttons = [...box.querySelectorAll("button")];
      const index = buttons.indexOf(document.activeElement);
      const next = (index + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length;
      buttons[next].focus();
      event.preventDefault();
    }
  });
}

// The listing form's valley map: a click or drag places the pin and fills latitude and longitude (four
// decimals, about 10 m); typing them moves the pin. The frame is the range the fields accept. On a
// read-only listing (its fields disabled) the pin only shows the place.
function valleyMap() {
  const map = document.getElementById("valley-map");
  if (!map) return;
  const svg = map.querySelector("svg");
  const pin = svg.querySelector(".pin");
  const lat = document.getElementById(map.dataset.latitude);
  const lon = document.getElementById(map.dataset.longitude);
  if (!lat || !lon) return;
  const box = svg.viewBox.baseVal;
  const frame = { west: +svg.dataset.west, east: +svg.dataset.east, south: +svg.dataset.south, north: +svg.dataset.north };
  const toMap = (latitude, longitude) => [
    ((longitude - frame.west) / (frame.east - frame.west)) * box.width,
    ((frame.north - latitude) / (frame.north - frame.south)) * box.height,
  ];
  const place = () => {
    const latitude = parseFloat(lat.value);
    const longitude = parseFloat(lon.value);
    const inside = latitude >= frame.south && latitude <= frame.north && longitude >= frame.west && longitude <= frame.east;
    const [x, y] = inside ? toMap(latitude, longitude) : [-20, -20];
    pin.setAttribute("cx", x);
    pin.setAttribute("cy", y);
  };
  const pick = (event) => {
    const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const x = Math.min(Math.max(at.x, 0), box.width);
    const y = Math.min(Math.max(at.y, 0), box.height);
    lat.value = (frame.north - (y / box.height) * (frame.north - frame.south)).toFixed(4);
    lon.value = (frame.west + (x / box.width) * (frame.east - frame.west)).toFixed(4);
    for (const input of [lat, lon]) input.dispatchEvent(new Event("input", { bubbles: true }));
    place();
  };
  place();
  if (lat.matches(":disabled")) return;  // a read-only listing: the pin only shows where it is
  let dragging = false;
  svg.addEventListener("pointerdown", (event) => { dragging = true; svg.setPointerCapture(event.pointerId); pick(event); });
  svg.addEventListener("pointermove", (event) => { if (dragging) pick(event); });
  svg.addEventListener("pointerup", () => { dragging = false; });
  lat.addEventListener("input", place);
  lon.addEventListener("input", place);
}

// Destructive buttons (reject, unpublish, delete, end sessions) ask first: their data-confirm says what
// happens. A button that is destructive only for one choice of its form (the subscription's "revoke")
// asks only then: data-confirm-if="<field>=<value>". Without scripts the action goes ahead as the button says.
function confirmations() {
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      const [field, value] = (button.dataset.confirmIf || "").split("=");
      if (field && button.form.elements[field]?.value !== value) return;
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  confirmations();
  selectAll();
  swatches();
  tableLabels();
  counters();
  lightbox();
  valleyMap();
});
