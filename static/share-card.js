/* The "share my card" link (templates/_macros/share.html): without script, or where the browser
   cannot share files, it stays a link that downloads the card's PNG. Where the Web Share API
   takes files (navigator.canShare({files})), the link says "Share" and a tap hands the PNG to
   the phone's share sheet (chat apps); if sharing fails for any reason but the member's own
   cancel, the download happens as before. Loaded with the page's CSP nonce (no inline code). */
"use strict";

(function () {
  function canShareFiles() {
    if (!navigator.canShare || !window.File) return false;
    try {
      return navigator.canShare({ files: [new File([""], "card.png", { type: "image/png" })] });
    } catch (error) {
      return false;
    }
  }

  function download(link) {
    var a = document.createElement("a");
    a.href = link.href;
    a.download = link.getAttribute("download") || "";
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function share(link) {
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("card " + response.status);
        return response.blob();
      })
      .then(function (blob) {
        var file = new File([blob], link.getAttribute("download") || "card.png", { type: "image/png" });
        var data = { files: [file], title: link.dataset.shareTitle || "" };
        if (!navigator.canShare(data)) throw new Error("cannot share this file");
        return navigator.share(data);
      })
      .catch(function (error) {
        if (!error || error.name !== "AbortError") download(link);
      })
      .then(function () {
        link.removeAttribute("aria-busy");
      });
  }

  if (!canShareFiles()) return;
  document.querySelectorAll("a[data-share-card]").forEach(function (link) {
    link.textContent = link.dataset.shareLabel || link.textContent;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      share(link);
    });
  });
})();
