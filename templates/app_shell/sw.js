// Streakpot's service worker: it keeps one page, the offline page, and shows it when a page
// cannot load. Nothing else is cached: every other page comes from the server, fresh.
// the push handler (shows a notification; a tap opens the check-in page): static/sw-push.js
importScripts({{ url_for('static', filename='sw-push.js')|tojson }});
const CACHE = {{ cache|tojson }};
const OFFLINE = {{ offline|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.add(new Request(OFFLINE, { credentials: "omit" })))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode !== "navigate" || request.method !== "GET") return;
  event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
});
