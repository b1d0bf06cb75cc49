/* Data-entry form (YTCS): flags, while typing, a value of the wrong type or outside its data element's usual
   range (a flag, never a block: the server decides), and keeps the total of a disaggregated row live.
   Messages come translated from the form's data-msg-* attributes. No library. */
(function () {
  "use strict";

  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  var YES = ["1", "true", "có", "co", "yes", "x"];
  var NO = ["0", "false", "không", "khong", "no"];

  /* As services.parse_value reads it: {value: number|null} or {error: message}. */
  function parse(text, type, msg) {
    text = (text || "").trim();
    if (text === "") return { value: null };
    if (type === "yes_no") {
      var folded = text.toLowerCase();
      if (YES.indexOf(folded) >= 0) return { value: 1 };
      if (NO.indexOf(folded) >= 0) return { value: 0 };
      return { error: msg.msgYesNo };
    }
    var t = text.replace(/[\s\u00a0]/g, "");
    // Vietnamese writes 1.234,5; a lone comma is a decimal comma.
    if (t.indexOf(",") >= 0 && t.indexOf(".") >= 0) t = t.replace(/\./g, "").replace(/,/g, ".");
    else if (t.indexOf(",") >= 0) t = t.replace(/,/g, ".");
    if (!NUMBER.test(t)) return { error: msg.msgNumber };
    var n = Number(t);
    if (!isFinite(n)) return { error: msg.msgNumber };
    if ((type === "int" || type === "int_pos") && Math.floor(n) !== n) return { error: msg.msgWhole };
    if (type === "int_pos" && n < 0) return { error: msg.msgNegative };
    if (type === "percentage" && (n < 0 || n > 100)) return { error: msg.msgPercentage };
    return { value: n };
  }

  function checkCell(input) {
    var msg = input.form ? input.form.dataset : {};
    var flag = document.getElementById(input.id + "-flag");
    var result = parse(input.value, input.dataset.valueType, msg);
    var text = "";
    input.classList.remove("entry-unusual");
    input.classList.toggle("entry-invalid", Boolean(result.error) || input.dataset.serverError === "1");
    if (result.error) {
      text = result.error;
    } else if (result.value !== null) {
      var min = input.dataset.min, max = input.dataset.max;
      if ((min !== undefined && result.value < Number(min)) || (max !== undefined && result.value > Number(max))) {
        input.classList.add("entry-unusual");
        text = (msg.msgRange || "").replace("{range}", input.dataset.range || "");
      }
    }
    // Only "true" is set: Pico draws aria-invalid="false" as a green tick, which a number out of range is not.
    if (input.dataset.serverError !== "1") {
      if (result.error) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    // While the server's message stands beside the cell, it says it: no second message.
    if (input.dataset.serverError === "1") text = "";
    if (flag) {
      flag.textContent = text;
      flag.hidden = !text;
      flag.classList.toggle("invalid", Boolean(result.error));
    }
    return result;
  }

  function updateTotal(row) {
    if (!row || !row.dataset.total) return;
    var output = row.querySelector(".entry-total output");
    if (!output) return;
    var msg = row.closest("form").dataset;
    var sum = 0, any = false;
    row.querySelectorAll("input.entry-input").forEach(function (input) {
      var r = parse(input.value, input.dataset.valueType, msg);
      if (!r.error && r.value !== null) { sum += r.value; any = true; }
    });
    output.textContent = any ? String(Math.round(sum * 1e6) / 1e6) : "";
  }

  function init() {
    var form = document.getElementById("entry-form");
    if (!form) return;
    form.querySelectorAll("input.entry-input").forEach(function (input) {
      if (document.getElementById(input.id + "-error")) input.dataset.serverError = "1";
      checkCell(input);
    });
    form.querySelectorAll("tr[data-total]").forEach(updateTotal);
    form.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.classList || !input.classList.contains("entry-input")) return;
      // The server's error on this cell is about what was typed before: drop it once the cell is edited.
      var stale = document.getElementById(input.id + "-error");
      if (stale) { stale.remove(); input.dataset.serverError = "0"; }
      checkCell(input);
      updateTotal(input.closest("tr"));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
