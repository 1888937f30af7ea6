// Small page behaviours. Loaded as a file: the Content-Security-Policy allows no inline scripts.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-select-all]")) {
    box.addEventListener("change", () => {
      for (const item of document.querySelectorAll(`input[name="${box.dataset.selectAll}"]`)) item.checked = box.checked;
    });
  }
  for (const swatch of document.querySelectorAll(".swatch[data-color]")) {
    if (/^#[0-9a-f]{3,8}$/i.test(swatch.dataset.color)) swatch.style.backgroundColor = swatch.dataset.color;
  }
});
