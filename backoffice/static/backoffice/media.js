// Uploads straight from the browser to the raw-uploads bucket with presigned POSTs (several files at
// once, each with a progress bar), then follows each item's processing state without reloading.
(() => {
  const section = document.getElementById("media");
  if (!section) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const form = document.getElementById("upload-form");
  const uploads = document.getElementById("uploads");
  const list = document.getElementById("media-list");
  // The states still on their way (a file to arrive, processing to finish), as the server names them.
  const inFlight = new Set((section.dataset.inFlight || "").split(" ").filter(Boolean));
  let polling = null;

  function line(text) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    const bar = document.createElement("progress");
    label.textContent = text;
    bar.max = 100; bar.value = 0;
    item.append(label, " ", bar);
    uploads.append(item);
    return { item, label, bar };
  }

  // The version of a media item as the page shows it (kept current by ``render``).
  function versionOf(mediaId) {
    const node = list.querySelector(`[data-media-id="${mediaId}"]`);
    return node ? Number(node.dataset.version) : null;
  }

  // A new media item of ``kind`` (marked premium or not), or (with ``mediaId``) a replacement of that
  // item's file, at the item's version the page shows.
  // On the new listing's first screen there is no listing yet: the first upload saves the draft from the
  // form as typed (once, however many files go at once), then every file goes to that draft.
  let draft = null;
  async function createDraft() {
    const response = await fetch(section.dataset.createUrl, {
      method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
      body: new FormData(document.getElementById("listing-form")),
    });
    const body = await response.json();
    if (!response.ok) {
      const error = body.error || {};
      const fields = Object.entries(error.errors || {}).map(([name, text]) => `${name.replace(/_/g, " ")}: ${text}`);
      throw new Error(`the draft could not be saved first (${fields.join("; ") || error.message}); fill in the form, then upload again`);
    }
    Object.assign(section.dataset, { slotUrl: body.slot_url, stateUrl: body.state_url, editUrl: body.edit_url });
  }

  async function slotFor(file, kind, mediaId, premium) {
    if (!section.dataset.slotUrl) {
      draft = draft || createDraft().finally(() => { if (!section.dataset.slotUrl) draft = null; });
      await draft;
    }
    const response = await fetch(section.dataset.slotUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ kind, premium, media_id: mediaId, expected_version: mediaId ? versionOf(mediaId) : undefined,
                             content_type: file.type, size: file.size, filename: file.name }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : "the upload was refused");
    return body;
  }

  function post(slot, file, bar) {
    return new Promise((resolve, reject) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(slot.fields)) data.append(name, value);
      data.append("file", file);  // the file must be the last field
      const request = new XMLHttpRequest();
      request.open("POST", slot.url);
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
      });
      request.addEventListener("load", () => (request.status < 300 ? resolve() : reject(new Error(`storage said ${request.status}`))));
      request.addEventListener("error", () => reject(new Error("the connection failed")));
      request.send(data);
    });
  }

  async function upload(file, kind, mediaId, premium) {
    const row = line(`${file.name}: preparing`);
    try {
      const slot = await slotFor(file, kind, mediaId, premium);
      row.label.textContent = `${file.name}: uploading`;
      await post(slot, file, row.bar);
      row.bar.value = 100;
      row.label.textContent = `${file.name}: uploaded, processing`;
      row.item.dataset.mediaId = slot.media.media_id;
    } catch (error) {
      row.label.textContent = `${file.name}: ${error.message}`;
      row.item.classList.add("error");
    }
  }

  function render(items) {
    const empty = document.getElementById("no-media");
    if (empty && items.length) empty.remove();
    for (const media of items) {
      let node = list.querySelector(`[data-media-id="${media.media_id}"]`);
      if (!node) {
        node = document.createElement("li");
        node.className = "media";
        node.dataset.mediaId = media.media_id;
        const kind = document.createElement("span"); kind.className = "kind";
        const name = document.createElement("span"); name.className = "name";
        const state = document.createElement("span"); state.className = "state";
        node.append(kind, " ", name, " ", state);
        list.append(node);
      }
      node.className = `media ${media.state}`;
      node.dataset.state = media.state;
      node.dataset.version = media.version;  // the page shows this version now: its buttons post it
      const version = node.querySelector("input[name=media_version]");
      if (version) version.value = media.version;
      node.querySelector(".kind").textContent = media.kind.replace("_", " ");
      node.querySelector(".name").textContent = media.filename;
      node.querySelector(".state").textContent = media.state_label;
      let badge = node.querySelector(".badge.review");  // a new version waits for an admin
      if (media.in_review && !badge) {
        badge = document.createElement("span"); badge.className = "badge review"; badge.textContent = "awaiting review";
        node.querySelector(".state").after(" ", badge);
      } else if (!media.in_review && badge) badge.remove();
      if (media.preview) {  // a new item once ready, or a replaced file's new version
        let image = node.querySelector("img.thumb");
        if (!image) { image = document.createElement("img"); image.className = "thumb"; node.prepend(image); }
        if (image.src.split("?")[0] !== new URL(media.preview.url, location.href).href.split("?")[0]) {
          image.src = media.preview.url;  // premium URLs are re-signed on every poll: compare without the query
          image.alt = `${media.kind.replace("_", " ")} ${media.filename}`;
          if (media.preview.width) { image.width = media.preview.width; image.height = media.preview.height; }
        }
      }
      let reason = node.querySelector(".reason");
      if (media.failure_reason) {
        if (!reason) { reason = document.createElement("small"); reason.className = "reason"; node.append(reason); }
        reason.textContent = media.failure_reason;
      }
    }
    // The order the page shows, each item at its version: what the move buttons post.
    const shown = Array.from(list.querySelectorAll("[data-media-id]"), (n) => `${n.dataset.mediaId}:${n.dataset.version}`).join(",");
    for (const input of list.querySelectorAll("input[name=shown]")) input.value = shown;
    return items.some((m) => inFlight.has(m.state));
  }

  async function refresh() {
    const response = await fetch(section.dataset.stateUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const busy = render((await response.json()).media);
    if (!busy && polling) { clearInterval(polling); polling = null; }
  }

  function follow() {
    if (!polling) polling = setInterval(refresh, 1500);
    refresh();
  }

  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = Array.from(document.getElementById("media-files").files);
    const kind = document.getElementById("media-kind").value;
    const premium = document.getElementById("media-premium").checked;
    await Promise.all(files.map((file) => upload(file, kind, null, premium)));
    // a draft made by this upload: continue on it (the typed fields are saved there, the files follow)
    if (section.dataset.createUrl && section.dataset.editUrl) { location.assign(section.dataset.editUrl); return; }
    follow();
  });

  list.addEventListener("change", async (event) => {
    const input = event.target;
    if (!input.classList.contains("replace-file") || !input.files.length) return;
    await upload(input.files[0], null, input.dataset.mediaId);
    input.value = "";
    follow();
  });

  if (Array.from(list.querySelectorAll("[data-state]")).some((node) => inFlight.has(node.dataset.state))) follow();

  // Drag to reorder: drop a card before or after another; the whole order is saved at once (the arrow
  // buttons do the same from the keyboard, one place at a time).
  let dragged = null;
  const cards = () => [...list.querySelectorAll("li.media[data-media-id]")];
  const clearMarks = () => { for (const card of cards()) card.classList.remove("drop-before", "drop-after"); };
  const after = (card, event) => {
    const box = card.getBoundingClientRect();
    return event.clientX > box.left + box.width / 2;
  };
  for (const card of cards()) if (card.querySelector("form.media-actions")) card.draggable = true;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li.media[draggable=true]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.mediaId);
  });
  list.addEventListener("dragover", (event) => {
    const card = event.target.closest("li.media[data-media-id]");
    if (!dragged || !card || card === dragged) return;
    event.preventDefault();
    clearMarks();
    card.classList.add(after(card, event) ? "drop-after" : "drop-before");
  });
  list.addEventListener("dragend", () => { clearMarks(); if (dragged) dragged.classList.remove("dragging"); dragged = null; });
  list.addEventListener("drop", async (event) => {
    const card = event.target.closest("li.media[data-media-id]");
    if (!dragged || !card || card === dragged) return;
    event.preventDefault();
    card[after(card, event) ? "after" : "before"](dragged);
    clearMarks();
    const form = dragged.querySelector("form.media-actions");
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("operation", "reorder");
    data.append("media_ids", cards().map((c) => c.dataset.mediaId).join(","));
    // each item at the version the page showed: an order read before a change elsewhere is refused
    data.append("shown", form.querySelector("input[name=shown]").value);
    // not following the redirect: the page it leads to would take the message meant for the reload
    await fetch(form.action, { method: "POST", body: data, credentials: "same-origin", redirect: "manual" });
    location.reload();  // the saved order, the listing's new version and the message
  });
})();
