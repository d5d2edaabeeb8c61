/* The "select all" toggle of django-import-export's export page, bound here instead of by the inline
   onchange="" the CSP refuses (templates/admin/import_export/export.html). onSelectToggleChange comes
   from import_export/export_selectable_fields.js, which the page's form media loads. */
document.addEventListener("change", function (event) {
  if (event.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
    window.onSelectToggleChange(event);
  }
});
