// Evidence form, progressive enhancement: drop files onto the zone, see (and remove) what is
// chosen, and be warned about files over the size limit before sending. Without JavaScript the
// plain <input type="file" multiple> does the same job; the server checks everything again.
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes >= 1048576) {
      return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
    }
    if (bytes >= 1024) {
      return Math.round(bytes / 1024) + " KB";
    }
    return bytes + " B";
  }

  // DataTransfer is how a script may set an input's files; old browsers lack it.
  function canSetFiles() {
    try {
      return typeof DataTransfer === "function" && new DataTransfer().items !== undefined;
    } catch (error) {
      return false;
    }
  }

  function setup(zone) {
    var input = zone.querySelector('input[type="file"]');
    var list = zone.querySelector("[data-file-list]");
    if (!input || !list) {
      return;
    }
    var maxBytes = parseInt(zone.getAttribute("data-max-bytes"), 10) || 0;
    var tooLargeText = zone.getAttribute("data-too-large-text") || "";
    var removeText = zone.getAttribute("data-remove-text") || "Remove";
    var editable = canSetFiles();

    function replaceFiles(files) {
      var transfer = new DataTransfer();
      files.forEach(function (file) {
        transfer.items.add(file);
      });
      input.files = transfer.files;
      render();
    }

    function render() {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file, index) {
        var item = document.createElement("li");
        item.className = "d-flex flex-wrap align-items-center gap-2 mb-1";
        var name = document.createElement("span");
        name.className = "text-break";
        name.textContent = file.name + " (" + formatSize(file.size) + ")";
        item.appendChild(name);
        if (maxBytes && file.size > maxBytes) {
          var warning = document.createElement("span");
          warning.className = "text-danger";
          warning.textContent = tooLargeText;
          item.appendChild(warning);
        }
        if (editable) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "btn btn-sm btn-outline-secondary py-0";
          remove.textContent = removeText;
          remove.setAttribute("aria-label", removeText + ": " + file.name);
          remove.addEventListener("click", function () {
            var kept = Array.prototype.filter.call(input.files, function (_file, other) {
              return other !== index;
            });
            replaceFiles(kept);
            input.focus();
          });
          item.appendChild(remove);
        }
        list.appendChild(item);
      });
    }

    input.addEventListener("change", render);
    if (!editable) {
      return;
    }
    var hint = zone.querySelector("[data-drop-hint]");
    if (hint) {
      hint.classList.remove("d-none");
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragover");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.remove("dragover");
      });
    });
    zone.addEventListener("drop", function (event) {
      var dropped = event.dataTransfer ? event.dataTransfer.files : null;
      if (!dropped || !dropped.length) {
        return;
      }
      // Dropping adds to what was already chosen instead of replacing it.
      var files = Array.prototype.slice.call(input.files).concat(
        Array.prototype.slice.call(dropped)
      );
      replaceFiles(files);
    });
  }

  document.querySelectorAll("[data-evidence-dropzone]").forEach(setup);
})();
