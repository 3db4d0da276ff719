/*
 * A stand-in for Stripe.js in the browser tests (never shipped): the part of its API the pay
 * page uses, backed by localstripe through tests/browser/stripe_stub.py.
 *
 *   Stripe(publishableKey, {locale})
 *   stripe.elements({clientSecret, locale, appearance}) .create("payment", {paymentMethodOrder})
 *   stripe.elements({locale})                           .create("card")
 *   element.mount(selector), element.on("ready" | "change" | "loaderror", handler)
 *   stripe.confirmPayment({elements, confirmParams: {return_url}, redirect: "if_required"})
 *   stripe.confirmCardPayment(clientSecret, {payment_method: {card: element}})
 *
 * Both confirmations resolve as Stripe.js documents: {paymentIntent} or {error: {type, code,
 * message}}. Card fields are checked first ("validation_error", nothing sent); then the card
 * goes to the stub's server, which confirms the PaymentIntent at localstripe the way Stripe's
 * servers would. A card that asks for 3-D Secure opens a dialog whose two buttons complete or
 * fail the authentication through localstripe's own _authenticate call (as localstripe's
 * Stripe.js stand-in does). Real Stripe draws its fields in an iframe; these are plain inputs,
 * labelled, so that axe-core checks them with the page.
 */
(function () {
  var API = document.currentScript.src.replace(/\/v3\/?$/, "");

  function post(path, body) {
    // text/plain: a simple request, no CORS preflight
    return fetch(API + path, {method: "POST", body: JSON.stringify(body)}).then(function (response) {
      return response.json();
    });
  }

  function field(container, id, text, autocomplete) {
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = text;
    var input = document.createElement("input");
    input.id = id;
    input.setAttribute("autocomplete", autocomplete);
    input.setAttribute("inputmode", "numeric");
    container.appendChild(label);
    container.appendChild(input);
    return input;
  }

  function Element(kind) {
    this.kind = kind;
    this.handlers = {};
  }
  Element.prototype.on = function (event, handler) {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
  };
  Element.prototype.fire = function (event, detail) {
    (this.handlers[event] || []).forEach(function (handler) { handler(detail || {}); });
  };
  Element.prototype.mount = function (selector) {
    var container = typeof selector === "string" ? document.querySelector(selector) : selector;
    var self = this;
    this.inputs = {
      number: field(container, "stub-card-number", "Card number", "cc-number"),
      expiry: field(container, "stub-card-expiry", "Expiry (MM / YY)", "cc-exp"),
      cvc: field(container, "stub-card-cvc", "Security code (CVC)", "cc-csc"),
    };
    Object.keys(this.inputs).forEach(function (name) {
      self.inputs[name].addEventListener("input", function () {
        self.fire("change", {elementType: self.kind, complete: !self.problem()});
      });
    });
    window.setTimeout(function () { self.fire("ready", {elementType: self.kind}); }, 0);
  };
  Element.prototype.card = function () {
    var digits = function (text) { return text.replace(/\D/g, ""); };
    var expiry = digits(this.inputs.expiry.value);
    return {
      number: digits(this.inputs.number.value),
      exp_month: expiry.slice(0, 2),
      exp_year: "20" + expiry.slice(2, 4),
      cvc: digits(this.inputs.cvc.value),
    };
  };
  Element.prototype.problem = function () {
    var card = this.card();
    if (card.number.length !== 16) { return "Your card number is incomplete."; }
    if (card.exp_year.length !== 4) { return "Your card's expiration date is incomplete."; }
    if (card.cvc.length !== 3) { return "Your card's security code is incomplete."; }
    return null;
  };

  function authenticate(intent, clientSecret) {
    return new Promise(function (resolve) {
      var shade = document.createElement("div"), box = document.createElement("div");
      var title = document.createElement("h2"), done = document.createElement("button");
      var fail = document.createElement("button");
      shade.setAttribute("role", "dialog");
      shade.setAttribute("aria-modal", "true");
      shade.setAttribute("aria-labelledby", "stub-3ds-title");
      title.id = "stub-3ds-title";
      title.textContent = "3D Secure test: confirm or fail this payment";
      done.type = fail.type = "button";
      done.textContent = "Complete authentication";
      fail.textContent = "Fail authentication";
      fail.className = "secondary";
      Object.assign(shade.style, {position: "fixed", inset: "0", background: "rgba(0,0,0,0.5)",
                                  display: "flex", alignItems: "center", justifyContent: "center"});
      Object.assign(box.style, {background: "#fff", padding: "1rem", borderRadius: "0.75rem",
                                display: "flex", flexDirection: "column", gap: "0.75rem"});
      [title, done, fail].forEach(function (node) { box.appendChild(node); });
      shade.appendChild(box);
      document.body.appendChild(shade);
      done.focus();
      function answer(success) {
        document.body.removeChild(shade);
        post("/v1/payment_intents/" + intent.id + "/_authenticate",
             {client_secret: clientSecret, success: success}).then(resolve);
      }
      done.addEventListener("click", function () { answer(true); });
      fail.addEventListener("click", function () { answer(false); });
    });
  }

  function confirm(clientSecret, element) {
    var problem = element.problem();
    if (problem) {
      return Promise.resolve({error: {type: "validation_error", message: problem}});
    }
    var intentId = clientSecret.split("_secret_")[0];
    return post("/v1/payment_intents/" + intentId + "/confirm", {
      client_secret: clientSecret,
      payment_method_data: {type: "card", card: element.card()},
    }).then(function (answer) {
      if (answer.error || answer.status !== "requires_action") { return answer; }
      return authenticate(answer, clientSecret);
    }).then(function (answer) {
      if (answer.error) { return {error: answer.error}; }
      if (answer.status === "requires_payment_method") {
        return {error: {type: "invalid_request_error", code: "payment_intent_authentication_failure",
                        message: "We are unable to authenticate your payment method."}};
      }
      return {paymentIntent: answer};
    }, function () {
      return {error: {type: "api_connection_error", message: "The stub could not reach its server."}};
    });
  }

  window.Stripe = function (publishableKey) {
    if (!/^pk_/.test(publishableKey || "")) { throw new Error("Stripe(): a publishable key (pk_...) is needed"); }
    return {
      elements: function (options) {
        var made = {};
        return {
          clientSecret: (options || {}).clientSecret,
          create: function (kind) {
            if (kind !== "payment" && kind !== "card") { throw new Error("stub: no " + kind + " element"); }
            if (kind === "payment" && !this.clientSecret) { throw new Error("stub: the Payment Element needs clientSecret"); }
            return (made[kind] = new Element(kind));
          },
          getElement: function (kind) { return made[kind] || null; },
        };
      },
      confirmPayment: function (options) {
        var elements = options.elements, element = elements.getElement("payment");
        if (!options.confirmParams || !options.confirmParams.return_url) {
          throw new Error("stripe.confirmPayment(): confirmParams.return_url is required");
        }
        return confirm(elements.clientSecret, element).then(function (result) {
          if (result.paymentIntent && options.redirect !== "if_required") {
            window.location.assign(options.confirmParams.return_url + "?payment_intent=" + result.paymentIntent.id
                                   + "&redirect_status=succeeded");
            return new Promise(function () {});
          }
          return result;
        });
      },
      confirmCardPayment: function (clientSecret, data) {
        return confirm(clientSecret, data.payment_method.card);
      },
    };
  };
})();
