/* The comment form's live mention picker (templates/feed/comments.html). Typing "@" and the
   start of a name in the comment asks the page's JSON list of the challenge's participants
   (habits/web/feed.py feed_participants, this session's) and offers the names as buttons; a
   pick writes "@Name" into the comment and adds a hidden "mentions" input with the member's id
   (display names are not unique), shown as a chip one can remove. The "Mention someone" box
   (a list of "Name #id" entries) stays: it is what the form uses without script, and a second
   way to pick with it. */
"use strict";

(function () {
  var form = document.getElementById("comment-form");
  if (!form || !window.fetch) return;
  var text = form.querySelector("textarea[name=body]");
  var options = document.getElementById("mention-options");
  var status = document.getElementById("mention-status");
  var mentioned = document.getElementById("mentioned");
  var list = document.getElementById("mentioned-list");
  var url = form.dataset.participants;
  var AT = /(^|\s)@([^\s@]{0,80})$/;
  var pending = null;
  var timer = null;

  var hint = document.getElementById("picker-hint");
  hint.hidden = false;
  var described = text.getAttribute("aria-describedby");
  text.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);

  function query() {
    var match = AT.exec(text.value.slice(0, text.selectionStart));
    return match ? match[2] : null;
  }

  function close() {
    options.hidden = true;
    options.replaceChildren();
  }

  function pick(person) {
    var caret = text.selectionStart;
    var before = text.value.slice(0, caret).replace(AT, function (all, space) {
      return space + "@" + person.name + " ";
    });
    text.value = before + text.value.slice(caret);
    text.focus();
    text.setSelectionRange(before.length, before.length);
    close();
    if (list.querySelector("input[value='" + person.id + "']")) return;
    var item = document.createElement("li");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "mentions";
    hidden.value = String(person.id);
    var name = document.createElement("span");
    name.textContent = person.name;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.dataset.unmention = "";
    remove.setAttribute("aria-label", list.dataset.removeLabel.replace("{name}", person.name));
    remove.textContent = "×";
    item.append(hidden, name, remove);
    list.append(item);
    mentioned.hidden = false;
  }

  function show(people) {
    options.replaceChildren();
    people.forEach(function (person) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = person.name;
      button.dataset.memberId = String(person.id);
      button.addEventListener("click", function () {
        pick(person);
      });
      options.append(button);
    });
    options.hidden = people.length === 0;
    status.textContent = people.length ? "" : status.dataset.noneLabel;
  }

  function suggest() {
    var q = query();
    if (q === null) {
      close();
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: pending.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : { items: [] };
      })
      .then(function (body) {
        if (query() === q) show(body.items || []);
      })
      .catch(function () {});
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  text.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
    if (event.key === "ArrowDown" && !options.hidden) {
      event.preventDefault();
      options.querySelector("button").focus();
    }
  });
  list.addEventListener("click", function (event) {
    var remove = event.target.closest("button[data-unmention]");
    if (!remove) return;
    remove.closest("li").remove();
    mentioned.hidden = list.children.length === 0;
    text.focus();
  });
})();
