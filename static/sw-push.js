/* Web Push for Streakpot's service worker: the worker at /sw.js loads this file with
   importScripts("/static/sw-push.js"). The server sends a small JSON payload
   (habits/notify/webpush.py): {title, body, url, tag, kind, id}, already written in the
   member's language and zone. A tap on the notification opens the check-in page (or the
   payload's own path on this site), reusing an open tab of the site when there is one. */
"use strict";

self.addEventListener("push", function (event) {
  var message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  var title = message.title || "Streakpot";
  var options = {
    body: message.body || "",
    tag: message.tag || undefined,
    data: { url: message.url || "/checkin" },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var wanted = (event.notification.data && event.notification.data.url) || "/checkin";
  // only a path of this site: a payload never sends the member elsewhere
  if (typeof wanted !== "string" || wanted.charAt(0) !== "/" || wanted.charAt(1) === "/") {
    wanted = "/checkin";
  }
  var target = new URL(wanted, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === target && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      for (var j = 0; j < windows.length; j++) {
        if (new URL(windows[j].url).origin === self.location.origin && "navigate" in windows[j]) {
          return windows[j].navigate(target).then(function (client) {
            return client ? client.focus() : self.clients.openWindow(target);
          });
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
