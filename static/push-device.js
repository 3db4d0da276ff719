/* "Enable notifications on this device" on the account page (templates/account/_push_device.html).
   Turning on: the browser's permission, then the service worker's pushManager.subscribe with the
   server's VAPID key (/api/v1/push/vapid-public-key), then the subscription sent to the page's
   endpoint (habits/web/push_devices.py) with the CSRF token. Turning off: unsubscribe in the
   browser and forget the endpoint on the server. Every word shown comes from the page. */
"use strict";

(function () {
  var box = document.getElementById("push-device");
  if (!box) return;
  var state = document.getElementById("push-state");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var words = box.dataset;

  function say(label, subscribed) {
    state.textContent = words[label + "Label"];
    on.hidden = subscribed !== false;
    off.hidden = subscribed !== true;
  }

  if (!("serviceWorker" in navigator) || !window.PushManager || !window.Notification) {
    say("unsupported", null);
    return;
  }

  function registration() {
    return navigator.serviceWorker.getRegistration().then(function (found) {
      return found || navigator.serviceWorker.register(words.workerUrl);
    }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function keyBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, subscription) {
    var json = subscription.toJSON ? subscription.toJSON() : subscription;
    var body = new FormData();
    body.append("csrf_token", words.csrf);
    body.append("endpoint", json.endpoint || subscription.endpoint);
    if (json.keys) {
      body.append("p256dh", json.keys.p256dh || "");
      body.append("auth", json.keys.auth || "");
    }
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("push device " + response.status);
    });
  }

  function turnOn() {
    on.disabled = true;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          say("denied", false);
          return null;
        }
        return Promise.all([
          registration(),
          fetch(words.keyUrl, { headers: { Accept: "application/json" } }).then(function (r) {
            return r.json();
          }),
        ]).then(function (both) {
          return both[0].pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(both[1].public_key),
          });
        }).then(function (subscription) {
          return post(words.onUrl, subscription).then(function () {
            say("on", true);
          });
        });
      })
      .catch(function () {
        say("failed", false);
      })
      .then(function () {
        on.disabled = false;
      });
  }

  function turnOff() {
    off.disabled = true;
    registration()
      .then(function (found) {
        return found.pushManager.getSubscription();
      })
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return Promise.resolve(subscription.unsubscribe()).then(function () {
          return post(words.offUrl, { endpoint: endpoint });
        });
      })
      .then(function () {
        say("off", false);
      })
      .catch(function () {
        say("failed", true);
      })
      .then(function () {
        off.disabled = false;
      });
  }

  on.addEventListener("click", turnOn);
  off.addEventListener("click", turnOff);
  registration()
    .then(function (found) {
      return found.pushManager.getSubscription();
    })
    .then(function (subscription) {
      say(subscription && Notification.permission === "granted" ? "on" : "off", !!subscription && Notification.permission === "granted");
    })
    .catch(function () {
      say("off", false);
    });
})();
